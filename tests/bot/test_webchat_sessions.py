from bot.messaging.webchat.sessions import issue, verify


def test_only_tokens_this_server_signed_verify():
    session, token = issue("key-1")
    assert verify("key-1", token) == session and len(session) == 32
    assert verify("key-2", token) is None  # another deployment's key
    altered = token[:-1] + ("1" if token[-1] == "0" else "0")  # one character of the signature changed
    assert verify("key-1", session) is None and verify("key-1", altered) is None
    assert verify("key-1", None) is None and verify("key-1", {"session_id": token}) is None
