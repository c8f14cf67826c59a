from bot.webchat_sessions import issue, verify


def test_only_tokens_this_server_signed_verify():
    session, token = issue("key-1")
    assert verify("key-1", token) == session and len(session) == 32
    assert verify("key-2", token) is None  # another deployment's key
    assert verify("key-1", session) is None and verify("key-1", token[:-1] + "0") is None
    assert verify("key-1", None) is None and verify("key-1", {"session_id": token}) is None
