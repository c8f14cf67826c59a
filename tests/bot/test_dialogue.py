from bot.conversation.dialogue import consecutive_misunderstandings, likeliest_choices


def test_the_two_likeliest_offerable_meanings_become_buttons_most_likely_first():
    ranking = [("nlu_fallback", 0.6), ("greet", 0.2), ("report", 0.1), ("complain", 0.3), ("suggest", 0.05)]
    choices = likeliest_choices(ranking)
    assert [c.intent for c in choices] == ["complain", "report"]
    assert [c.payload for c in choices] == ["/complain", "/report"]
    assert all(c.title for c in choices)


def test_with_no_offerable_guess_general_choices_are_offered():
    choices = likeliest_choices([("nlu_fallback", 1.0), ("greet", 0.1)])
    assert [c.intent for c in choices] == ["consult", "complain"]


def test_misunderstandings_are_counted_only_while_they_run_in_a_row():
    assert consecutive_misunderstandings(["out_of_scope", "nlu_fallback", "greet", "out_of_scope"]) == 2
    assert consecutive_misunderstandings(["consult", "out_of_scope"]) == 0
    assert consecutive_misunderstandings([]) == 0
