#!/usr/bin/env python3
"""Render the nginx site file for chainrule (and, with --standalone, a whole unprivileged nginx).

Production, Debian's nginx (the site file goes in the http context):

    python3 deploy/nginx/render.py --listen 80 --upstream 127.0.0.1:8000 \\
        --static-dir /usr/local/share/chainrule/static > /etc/nginx/sites-available/chainrule

Trying it (or testing it) without root — nginx.conf and chainrule.conf written into PREFIX:

    python3 deploy/nginx/render.py --standalone /tmp/cr-nginx --listen 127.0.0.1:8080 \\
        --upstream 127.0.0.1:8000
    nginx -p /tmp/cr-nginx -c nginx.conf -g 'daemon off;'

Standard library only, so it runs with any python3 on the proxy host.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE / "chainrule.conf.in"
STANDALONE = HERE / "standalone.conf.in"

# Per-student budgets; the per-IP limits are these times --students-per-ip (a classroom behind
# one NAT address shares one IP). The training page keeps one request in flight and sends at most
# one per animation frame (≤ 60 per second); a page load fetches files over the ≤ 6 connections a
# browser opens to one host, so a whole class reloading at once stays within the limit.
CONNECTIONS_PER_STUDENT = 6  # requests being processed at once
REQUESTS_PER_SECOND_PER_STUDENT = 60  # sustained /api/ rate
BURST_PER_STUDENT = 60  # /api/ requests above the rate answered at once before 429s start
DEFAULT_STUDENTS_PER_IP = 60
DEFAULT_MAX_BODY_BYTES = 1_000_000  # app.settings.Settings.max_body_bytes (a test keeps them equal)

_STATIC = re.compile(r"\n *# BEGIN static.*?# END static\n", re.S)
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")
_SAFE = re.compile(r"[A-Za-z0-9_.:/\[\]*-]+")  # what may go into a directive unquoted


def _safe(name: str, value: str) -> str:
    if not _SAFE.fullmatch(value):
        raise ValueError(f"{name} {value!r}: only letters, digits and . : / [ ] * _ - are allowed")
    return value


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = _PLACEHOLDER.findall(text)
    if left:
        raise ValueError(f"unfilled placeholder(s): {', '.join(sorted(set(left)))}")
    return text


def render_site(
    *,
    listen: str = "80",
    upstreams: list[str] | None = None,
    server_name: str = "_",
    students_per_ip: int = DEFAULT_STUDENTS_PER_IP,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    static_dir: str | None = None,
    access_log: str = "/var/log/nginx/chainrule.access.log",
) -> str:
    """The site file's text: the template with every placeholder filled."""
    if students_per_ip < 1 or max_body_bytes < 1:
        raise ValueError("--students-per-ip and --max-body-bytes must be positive")
    servers = [_safe("--upstream", u) for u in (upstreams or ["127.0.0.1:8000"])]
    text = SITE.read_text()
    if static_dir is None:
        text = _STATIC.sub("\n", text)
    else:
        static_dir = _safe("--static-dir", str(Path(static_dir).resolve()))
    return _fill(
        text,
        {
            "LISTEN": _safe("--listen", listen),
            "SERVER_NAME": _safe("--server-name", server_name),
            "UPSTREAM_SERVERS": "\n".join(f"    server {s};" for s in servers),
            "STUDENTS_PER_IP": str(students_per_ip),
            "CONN_PER_IP": str(CONNECTIONS_PER_STUDENT * students_per_ip),
            "API_RATE": str(REQUESTS_PER_SECOND_PER_STUDENT * students_per_ip),
            "API_BURST": str(BURST_PER_STUDENT * students_per_ip),
            "MAX_BODY_BYTES": str(max_body_bytes),
            "ACCESS_LOG": _safe("access log", access_log),
            **({"STATIC_DIR": static_dir} if static_dir else {}),
        },
    )


def write_standalone(prefix: Path, site: str, mime_types: str = "/etc/nginx/mime.types") -> Path:
    """nginx.conf and chainrule.conf in `prefix`, every path nginx writes inside it; returns
    nginx.conf. The folder is made traversable so that workers running as another user (nginx
    started by root drops to `nobody`) reach their temporary files."""
    prefix = prefix.resolve()
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    os.chmod(prefix, 0o755)
    (prefix / "chainrule.conf").write_text(site)
    main = _fill(
        STANDALONE.read_text(),
        {"PREFIX": _safe("--standalone", str(prefix)), "MIME_TYPES": _safe("mime types", mime_types)},
    )
    (prefix / "nginx.conf").write_text(main)
    return prefix / "nginx.conf"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="80", help="nginx's listen address: 80, 127.0.0.1:8080, [::]:80")
    parser.add_argument(
        "--upstream",
        action="append",
        help="a uvicorn server (host:port), once per replica; default 127.0.0.1:8000",
    )
    parser.add_argument("--server-name", default="_", help="the site's host name (default: any)")
    parser.add_argument(
        "--students-per-ip",
        type=int,
        default=DEFAULT_STUDENTS_PER_IP,
        help="students who may share one public address (a classroom behind NAT); the per-IP "
        f"limits scale with it (default {DEFAULT_STUDENTS_PER_IP}; 1 for a public site)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="client_max_body_size: keep equal to CHAINRULE_MAX_BODY_BYTES",
    )
    parser.add_argument("--static-dir", help="serve /static/ from this folder (the installed package's)")
    parser.add_argument(
        "--access-log",
        default=None,
        help="the site's access log (default /var/log/nginx/chainrule.access.log; /dev/stdout in a container)",
    )
    parser.add_argument("--standalone", metavar="PREFIX", help="write nginx.conf + chainrule.conf here")
    args = parser.parse_args(argv)
    try:
        prefix = Path(args.standalone).resolve() if args.standalone else None
        site = render_site(
            listen=args.listen,
            upstreams=args.upstream,
            server_name=args.server_name,
            students_per_ip=args.students_per_ip,
            max_body_bytes=args.max_body_bytes,
            static_dir=args.static_dir,
            access_log=args.access_log
            or (str(prefix / "access.log") if prefix else "/var/log/nginx/chainrule.access.log"),
        )
        if prefix:
            conf = write_standalone(prefix, site)
            print(f"nginx -p {conf.parent} -c nginx.conf -g 'daemon off;'")
        else:
            sys.stdout.write(site)
    except ValueError as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
