"""Where weather comes from: the paginated HTTP API, or the landing zone's JSON files (the same payload)."""

from datetime import date

import dagster as dg
from pydantic import Field

from ..ingestion.http_pages import HttpPageClient, RetryPolicy
from ..ingestion.weather_api import DayFetch, fetch_weather_day
from ..settings.models import WeatherSourceSettings


class WeatherSource(dg.ConfigurableResource):
    mode: str = Field(default="files", description="api | files")
    url: str | None = Field(default=None, description="API endpoint of a day's first page.")
    page_size: int = 500
    timeout_seconds: float = 10.0
    max_retries: int = 5
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    max_page_bytes: int = 64 * 1024 * 1024
    token: str | None = Field(default=None, description="Bearer token, bound to the env var named by token_env.")
    token_env: str | None = Field(default=None, description="Name of the token's env var (for messages).")
    drift_policy: str = Field(default="rescue", description="rescue | fail | add: fields the contract does not know.")

    @classmethod
    def from_settings(cls, settings: WeatherSourceSettings) -> "WeatherSource":
        api = settings.api
        if settings.mode != "api" or api is None:
            return cls(mode=settings.mode, drift_policy=settings.drift_policy)
        return cls(
            mode="api",
            url=api.url,
            page_size=api.page_size,
            timeout_seconds=api.timeout_seconds,
            max_retries=api.max_retries,
            backoff_seconds=api.backoff_seconds,
            max_backoff_seconds=api.max_backoff_seconds,
            max_page_bytes=api.max_page_bytes,
            token=dg.EnvVar(api.token_env) if api.token_env else None,
            token_env=api.token_env,
            drift_policy=settings.drift_policy,
        )

    def client(self) -> HttpPageClient:
        return HttpPageClient(
            timeout_seconds=self.timeout_seconds,
            retry=RetryPolicy(self.max_retries, self.backoff_seconds, self.max_backoff_seconds),
            token=self.token,
            token_env=self.token_env,
            max_page_bytes=self.max_page_bytes,
        )

    def fetch_day(self, client: HttpPageClient, day: date) -> DayFetch:
        return fetch_weather_day(client, self.url or "", day, self.page_size)
