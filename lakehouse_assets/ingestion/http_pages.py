"""GET one JSON page over HTTP with a bearer token, retrying what is worth retrying.

Retried by urllib3 (a `Retry` mounted on the session), with exponential backoff: HTTP 429 and 500/502/503/504
(waiting the server's Retry-After instead when it sends one), timeouts, refused or dropped connections.
Retried here, from the same budget: a body cut short while it streams, after urllib3 has handed the response
over. Every wait, Retry-After included, is capped at `max_backoff_seconds`. Not retried: other 4xx, which say
the request itself is wrong, and a page larger than `max_page_bytes` (read in chunks, so an endless answer
cannot exhaust memory). The token is sent in the Authorization header only and never appears in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import RequestHistory, Retry

RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_PAGE_BYTES = 64 * 1024 * 1024


class HttpSourceError(Exception):
    """A page could not be fetched; the message names the URL, what happened and, where it helps, the fix."""


class _PolicyRetry(Retry):
    """urllib3's Retry, waiting before the first retry too and reading a Retry-After it does not parse.

    urllib3 retries a first failure at once; the policy's first wait is `backoff_seconds`, doubling after.
    urllib3 raises on a Retry-After other than whole seconds or a date, which would end the fetch on a
    header meant to help it: fractional seconds are honoured, anything else falls back to the backoff.
    """

    def get_backoff_time(self) -> float:
        if not self.history:
            return 0.0
        return min(self.backoff_max, self.backoff_factor * 2 ** (len(self.history) - 1))

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except InvalidHeader:
            try:
                return min(max(0.0, float(retry_after)), self.retry_after_max)
            except ValueError:
                return 0.0  # no wait from the header: sleep() uses the backoff


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0

    def urllib3_retry(self) -> Retry:
        return _PolicyRetry(
            total=self.max_retries,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRIED_STATUS,
            backoff_factor=self.backoff_seconds,
            backoff_max=self.max_backoff_seconds,
            respect_retry_after_header=True,
            retry_after_max=self.max_backoff_seconds,  # type: ignore[arg-type]  # urllib3 compares it only: a float works
            raise_on_status=False,  # the last 429/5xx comes back as a response, so the error can name its status
        )

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds urllib3 waits after failed attempt `attempt` (0 is the first): the server's Retry-After if
        it sent one, else the backoff; either capped at `max_backoff_seconds`."""
        retry = self.urllib3_retry().new(history=(_FAILED_ATTEMPT,) * (attempt + 1))
        return retry.parse_retry_after(str(retry_after)) if retry_after else retry.get_backoff_time()


_FAILED_ATTEMPT = RequestHistory("GET", None, None, 503, None)


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
    _adapter: HTTPAdapter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._adapter = HTTPAdapter(max_retries=self.retry.urllib3_retry())
        self.session.mount("http://", self._adapter)
        self.session.mount("https://", self._adapter)

    def get(self, url: str, params: dict[str, str] | None = None) -> Fetched:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        retry = self.retry.urllib3_retry()
        while True:
            # What is left of this page's budget once a body was cut short. A client fetches one page at a
            # time; its session and adapter are its own, not shared between threads.
            self._adapter.max_retries = retry
            try:
                response = self.session.get(url, params=params, headers=headers, timeout=self.timeout_seconds, stream=True)
            except (requests.ConnectionError, requests.Timeout) as error:  # urllib3 has spent the budget
                raise self._exhausted(url, params, self.retry.max_retries + 1, self._what_failed(error)) from None
            with response:
                shown = response.url
                attempts = len(response.raw.retries.history) + 1
                if response.status_code in RETRIED_STATUS:  # retried as long as the budget lasted
                    raise self._exhausted(url, params, attempts, f"HTTP {response.status_code} {response.reason}")
                if response.status_code != 200:
                    raise HttpSourceError(self._refusal(shown, response))
                try:
                    body = self._body(shown, response)
                except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as error:
                    failure = error.args[0] if error.args and isinstance(error.args[0], Exception) else error
                    try:
                        retry = response.raw.retries.increment("GET", shown, error=failure)
                    except MaxRetryError:
                        raise self._exhausted(url, params, attempts, self._what_failed(error)) from None
                    retry.sleep()
                    continue
                modified = _http_date(response.headers.get("Last-Modified"))
                return Fetched(url=shown, body=body, attempts=attempts, last_modified=modified)

    def _exhausted(self, url: str, params: dict[str, str] | None, attempts: int, problem: str) -> HttpSourceError:
        return HttpSourceError(f"GET {_with_params(url, params)} failed after {attempts} attempt(s); last: {problem}")

    def _what_failed(self, error: requests.RequestException) -> str:
        if isinstance(error, requests.exceptions.ChunkedEncodingError):
            return "the response was cut short"
        failure = error.args[0] if error.args else error
        failure = getattr(failure, "reason", failure)  # urllib3 gave up (MaxRetryError): its reason is the last failure
        if isinstance(failure, (ReadTimeoutError, ConnectTimeoutError)) and not isinstance(failure, NewConnectionError):
            return f"no answer within {self.timeout_seconds}s"
        return f"connection failed or was cut short ({type(failure).__name__})"

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


def _http_date(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _with_params(url: str, params: dict[str, str] | None) -> str:
    return requests.Request("GET", url, params=params).prepare().url or url
