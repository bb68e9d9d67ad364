"""Where the pages' files live: the checkout's `templates/` and `static/`, or, for a regular
(non-editable) install, the copies pip puts under `<prefix>/share/chainrule/`."""

from __future__ import annotations

import sys
from pathlib import Path

_CANDIDATES = (Path(__file__).resolve().parents[1], Path(sys.prefix) / "share" / "chainrule")

ROOT = next((root for root in _CANDIDATES if (root / "templates").is_dir()), _CANDIDATES[0])
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
