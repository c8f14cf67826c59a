from bot.runtime.training import fingerprint, model_path


def make_project(root):
    (root / "data").mkdir()
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    return root


def test_fingerprint_is_stable_and_changes_with_any_training_input(tmp_path):
    root = make_project(tmp_path)
    first = fingerprint(root)
    assert fingerprint(root) == first
    (root / "data" / "nlu.yml").write_text("nlu: [x]\n")
    second = fingerprint(root)
    assert second != first
    (root / "data" / "rules.yml").write_text("rules: []\n")
    assert fingerprint(root) != second


def test_files_outside_the_inputs_do_not_force_retraining(tmp_path):
    root = make_project(tmp_path)
    first = fingerprint(root)
    (root / "README.md").write_text("docs")
    (root / "data" / "__pycache__").mkdir()
    (root / "data" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert fingerprint(root) == first


def test_model_file_is_named_after_the_fingerprint(tmp_path):
    assert model_path(tmp_path, "abc123").name == "hotline-abc123.tar.gz"
