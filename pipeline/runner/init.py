"""`slr init DIR`: scaffold a review root with a commented protocol template."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..config import SLUG, SLUG_RULE
from ..errors import ConfigError, PipelineError
from ..store import make_dirs, write_text


def init_review(directory: Path, review_id: str = "myreview") -> list[Path]:
    """Create config/, data/<id>/imports/, outputs/, config/review.yaml and a starter
    config/codebook.yaml; never overwrite a file."""
    if not SLUG.fullmatch(review_id):
        raise ConfigError(f'--id "{review_id}" is not a plain name: {SLUG_RULE}', hint='e.g. --id microcredentials')
    directory = Path(directory)
    protocol = directory / "config" / "review.yaml"
    if protocol.exists():
        raise PipelineError(f"{protocol} already exists; nothing was changed",
                            hint="edit it, or choose another folder for a new review")
    created = []
    for folder in (directory / "config", directory / "data" / review_id / "imports", directory / "outputs"):
        make_dirs(folder)
        created.append(folder)
    write_text(protocol, _template("review.yaml").replace("__REVIEW_ID__", review_id))
    codebook = directory / "config" / "codebook.yaml"
    if not codebook.exists():
        write_text(codebook, _template("codebook.yaml"))
        created.append(codebook)
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        write_text(gitignore, "# outputs/ is rebuilt from data/ + the protocol by `slr run`\noutputs/\n")
    created.append(protocol)
    return created


def _template(name: str) -> str:
    """A file of pipeline/templates/, shipped with the package."""
    return resources.files("pipeline").joinpath("templates", name).read_text(encoding="utf-8")
