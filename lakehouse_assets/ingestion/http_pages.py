"""GET one JSON page over HTTP with a bearer token, retrying what is worth retrying.

Retried, with exponential backoff: HTTP 429 (waiting at least its Retry-After), 5xx, timeouts, refused or
broken connections (a transfer cut short). Not retried: other 4xx, which say the request itself is wrong, and a
page larger than `max_page_bytes` (read in chunks, so an endless answer cannot exhaust memory).
The token is sent in the Authorization header only and never appears in a message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

RETRIED_STATUS = {429, 500, 502, 503, 504}
MAX_PAGE_BYTES = 64 * 1024 * 1024


class HttpSourceError(Exception):
    """A page could not be fetched; the message names the URL, what happened and, where it helps, the fix."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        backoff = self.backoff_seconds * (2**attempt)
        return min(max(backoff, retry_after or 0.0), self.max_backoff_seconds)


@dataclass
class Fetched:
    url: str
    body: bytes
    attempts: int
    last_modified: datetime | None = None


@dataclass
class HttpPageClient:
    timeout_seconds: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token: str | None = field(default=None, repr=False)
    token_env: str | None = None
    max_page_bytes: int = MAX_PAGE_BYTES
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def get(self, url: str, params: dict[str, str] | None = None) -> Fetched:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        problem = ""
        for attempt in range(self.retry.max_retries + 1):
            retry_after = None
            try:
                response = self.session.get(url, params=params, headers=headers, timeout=self.timeout_seconds, stream=True)
                shown = response.url
                if response.status_code == 200:
                    modified = _http_date(response.headers.get("Last-Modified"))
                    return Fetched(url=shown, body=self._body(shown, response), attempts=attempt + 1, last_modified=modified)
                if response.status_code not in RETRIED_STATUS:
                    raise HttpSourceError(self._refusal(shown, response))
                problem = f"HTTP {response.status_code} {response.reason}"
                retry_after = _retry_after(response.headers.get("Retry-After"))
            except requests.Timeout:
                problem = f"no answer within {self.timeout_seconds}s"
            except requests.ConnectionError as error:
                problem = f"connection failed or was cut short ({type(error).__name__})"
            except requests.exceptions.ChunkedEncodingError:
                problem = "the response was cut short"
            if attempt < self.retry.max_retries:
                time.sleep(self.retry.wait(attempt, retry_after))
        raise HttpSourceError(
            f"GET {_with_params(url, params)} failed after {self.retry.max_retries + 1} attempt(s); last: {problem}"
        )

    def _body(self, url: str, response: requests.Response) -> bytes:
        """The page, read in chunks so an endless or enormous answer stops at `max_page_bytes`, not at memory."""
        chunks, size = [], 0
        with response:
            for chunk in response.iter_content(chunk_size=1 << 16):
                size += len(chunk)
                if size > self.max_page_bytes:
                    raise HttpSourceError(
                        f"GET {url}: the page is over {self.max_page_bytes:,} bytes, too large to be a page of this "
                        "API; lower page_size, or raise max_page_bytes if pages really are this large"
                    )
                chunks.append(chunk)
        return b"".join(chunks)

    def _refusal(self, url: str, response: requests.Response) -> str:
        message = f"GET {url} answered HTTP {response.status_code} {response.reason}"
        if response.status_code == 401:
            if not self.token:
                hint = f"set {self.token_env}" if self.token_env else "name the variable holding it in token_env"
                return f"{message}: the API needs a bearer token and none was sent; {hint}"
            return f"{message}: the bearer token from {self.token_env or 'the configured variable'} was rejected"
        if response.status_code == 403:
            return f"{message}: the token is not allowed to read this resource"
        detail = response.text[:200].strip()
        return f"{message}{': ' + detail if detail else ''}"


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _http_date(value)
    return None if when is None else max(0.0, (when - datetime.now(UTC)).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _with_params(url: str, params: dict[str, str] | None) -> str:
    return requests.Request("GET", url, params=params).prepare().url or url
