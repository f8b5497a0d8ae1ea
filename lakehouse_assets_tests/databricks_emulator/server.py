"""Loopback HTTP server answering the Databricks REST calls of dagster-databricks' step launcher.

TEST DOUBLE for the Databricks REST service, which cannot be reached from where this project is tested. It
implements the Jobs runs, DBFS, Clusters and secrets endpoints that databricks-sdk sends on the launcher's and
the run cluster's behalf (found by reading dagster_databricks/databricks.py and
databricks_pyspark_step_launcher.py, and checked by the request log the tests assert on). Every request is
checked field by field against the API's (api_shapes.py) before it is served. Anything else is answered 404
ENDPOINT_NOT_FOUND and recorded in `unhandled`. Runs execute locally (see runs.py) on emulated clusters that
take time to start and are counted (clusters.py); `dbfs:/` is a folder under `root`. It proves the launcher's
protocol and this project's code path on the "cluster" side; it does not prove Databricks' own behaviour.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from databricks.sdk.service import compute, files, iam, jobs, workspace

from .api_shapes import check_request
from .clusters import Clusters
from .dbfs import Dbfs
from .errors import ApiError
from .runs import EmulatedRun, RunExecutor

# Who the test's token belongs to (the SCIM "Me" of the workspace).
USER_NAME = "lakehouse-runner@example.com"
# Request bodies are logged without these (file content and secret values).
UNLOGGED_FIELDS = {"data", "contents", "string_value", "bytes_value"}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


class DatabricksEmulator:
    """Start with `with DatabricksEmulator() as emulator:`; point DATABRICKS_HOST at `emulator.url`, DATABRICKS_TOKEN
    at `emulator.token`. `existing_clusters` maps a cluster id to its spec (spark_conf, spark_env_vars), running
    from the start; `instance_pools` maps the ids of the workspace's pools to their settings. A cold cluster start
    takes `cluster_start_seconds`, one from a pool `pool_start_seconds`."""

    def __init__(
        self,
        existing_clusters: dict[str, dict[str, Any]] | None = None,
        delta_jars_dir: str | None = None,
        *,
        cluster_start_seconds: float = 0.5,
        instance_pools: dict[str, dict[str, Any]] | None = None,
        pool_start_seconds: float = 0.05,
    ):
        # Not under pytest's tmp_path: the launcher's zip step skips any path containing "pytest".
        self.root = Path(tempfile.mkdtemp(prefix="databricks-emulator-"))
        self.token = secrets.token_hex(16)
        self.requests: list[LoggedRequest] = []
        self.unhandled: list[str] = []
        self.dbfs = Dbfs(self.root / "dbfs")
        self.secret_scopes: dict[str, dict[str, bytes]] = {}
        self.clusters = Clusters(existing_clusters or {}, cluster_start_seconds, instance_pools or {}, pool_start_seconds)
        self.executor = RunExecutor(self, self.clusters, delta_jars_dir)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="databricks-emulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DatabricksEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.executor.stop_all()
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self.root, ignore_errors=True)

    def endpoints(self) -> set[str]:
        return {request.endpoint for request in self.requests}

    def bodies(self, endpoint: str) -> list[dict[str, Any]]:
        return [request.body or {} for request in self.requests if request.endpoint == endpoint]

    # ---- dispatch -------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: dict[str, Any], token: str | None) -> Any:
        logged = {key: value for key, value in body.items() if key not in UNLOGGED_FIELDS}
        self.requests.append(LoggedRequest(method, path, query, logged))
        if token != self.token and not self.executor.is_run_token(token):
            raise ApiError(401, "UNAUTHENTICATED", "Invalid access token.")
        route = ROUTES.get((method, path))
        if route is None:
            self.unhandled.append(f"{method} {path}")
            raise ApiError(404, "ENDPOINT_NOT_FOUND", f"{method} {path} is not emulated")
        handler, sdk_method = route
        check_request(sdk_method, query, typed=False) if method == "GET" else check_request(sdk_method, body)
        return handler(self, {**query, **body})

    # ---- jobs -----------------------------------------------------------------------------------------------
    def _submit(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"run_id": self.executor.submit(args).run_id}

    def _get_run(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._run(args).as_json(self.url)

    def _get_output(self, args: dict[str, Any]) -> dict[str, Any]:
        run_id = int(args.get("run_id", 0))
        if self.executor.runs.get(run_id):
            raise ApiError(
                400, "INVALID_PARAMETER_VALUE",
                "Retrieving the output of runs with multiple tasks is not supported. Use the task run id.",
            )  # fmt: skip
        run = self.executor.run_for_task(run_id)
        if run is None:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")
        return run.output_json(self.url)

    def _cancel(self, args: dict[str, Any]) -> dict[str, Any]:
        self.executor.cancel(self._run(args))
        return {}

    def _run(self, args: dict[str, Any]) -> EmulatedRun:
        run = self.executor.runs.get(int(args.get("run_id", 0)))
        if run is None:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {args.get('run_id')} does not exist.")
        return run

    # ---- secrets --------------------------------------------------------------------------------------------
    def _create_scope(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["scope"] in self.secret_scopes:
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"Scope {args['scope']} already exists!")
        self.secret_scopes[args["scope"]] = {}
        return {}

    def _put_secret(self, args: dict[str, Any]) -> dict[str, Any]:
        scope = self._scope(args["scope"])
        value = args["string_value"].encode() if "string_value" in args else base64.b64decode(args["bytes_value"])
        scope[args["key"]] = value
        return {}

    def _get_secret(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"key": args["key"], "value": base64.b64encode(self.secret(args["scope"], args["key"])).decode()}

    def secret(self, scope: str, key: str) -> bytes:
        values = self._scope(scope)
        if key not in values:
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Failed to get secret {key} for scope {scope}.")
        return values[key]

    def _scope(self, name: str) -> dict[str, bytes]:
        if name not in self.secret_scopes:
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Scope {name} does not exist!")
        return self.secret_scopes[name]


ROUTES = {
    ("POST", "/api/2.2/jobs/runs/submit"): (DatabricksEmulator._submit, jobs.JobsAPI.submit),
    ("GET", "/api/2.2/jobs/runs/get"): (DatabricksEmulator._get_run, jobs.JobsAPI.get_run),
    ("GET", "/api/2.2/jobs/runs/get-output"): (DatabricksEmulator._get_output, jobs.JobsAPI.get_run_output),
    ("POST", "/api/2.2/jobs/runs/cancel"): (DatabricksEmulator._cancel, jobs.JobsAPI.cancel_run),
    ("POST", "/api/2.1/clusters/create"): (lambda emulator, args: emulator.clusters.create(args), compute.ClustersAPI.create),
    ("GET", "/api/2.1/clusters/get"): (lambda emulator, args: emulator.clusters.get(args), compute.ClustersAPI.get),
    ("POST", "/api/2.1/clusters/delete"): (lambda emulator, args: emulator.clusters.delete(args), compute.ClustersAPI.delete),
    ("POST", "/api/2.1/clusters/permanent-delete"): (
        lambda emulator, args: emulator.clusters.permanent_delete(args), compute.ClustersAPI.permanent_delete
    ),
    ("GET", "/api/2.0/preview/scim/v2/Me"): (lambda emulator, args: {"id": "1", "userName": USER_NAME}, iam.CurrentUserAPI.me),
    ("POST", "/api/2.0/secrets/scopes/create"): (DatabricksEmulator._create_scope, workspace.SecretsAPI.create_scope),
    ("POST", "/api/2.0/secrets/put"): (DatabricksEmulator._put_secret, workspace.SecretsAPI.put_secret),
    ("GET", "/api/2.0/secrets/get"): (DatabricksEmulator._get_secret, workspace.SecretsAPI.get_secret),
    **{
        (method, f"/api/2.0/dbfs/{name}"): (
            lambda emulator, args, name=name: getattr(emulator.dbfs, name.replace("-", "_"))(args),
            getattr(files.DbfsAPI, name.replace("-", "_")),
        )
        for method, name in Dbfs.ROUTES
    },
}


def _handler_for(emulator: DatabricksEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
            try:
                body = json.loads(raw) if raw else {}
                result = emulator.handle(self.command, url.path, dict(parse_qsl(url.query)), body, token)
                self._reply(200, result)
            except ApiError as error:
                self._reply(error.status, {"error_code": error.error_code, "message": error.message})
            except (KeyError, ValueError, TypeError) as error:
                self._reply(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": f"bad request: {error!r}"})

        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass  # the request log above is the record

    return Handler
