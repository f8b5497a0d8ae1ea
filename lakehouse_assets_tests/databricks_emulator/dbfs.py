"""DBFS API 2.0 on a local folder: the streaming upload (create/add-block/close), put, read and file management.

Part of the Databricks REST test double (see server.py). Limits and error codes follow the API reference:
1 MB per block and per read, RESOURCE_DOES_NOT_EXIST for absent paths, RESOURCE_ALREADY_EXISTS without overwrite.
"""

from __future__ import annotations

import base64
import itertools
import shutil
import threading
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .errors import ApiError

MAX_BLOCK = 1024 * 1024


class Dbfs:
    ROUTES = (
        ("POST", "create"), ("POST", "add-block"), ("POST", "close"), ("POST", "put"), ("GET", "read"),
        ("GET", "get-status"), ("GET", "list"), ("POST", "mkdirs"), ("POST", "delete"), ("POST", "move"),
    )  # fmt: skip

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._handles: dict[int, IO[bytes]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def local(self, path: str) -> Path:
        """The local file behind a DBFS path given as `/x` or `dbfs:/x`."""
        text = path.removeprefix("dbfs:")
        if not text.startswith("/"):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Path must be absolute: {path}")
        parts = PurePosixPath("/" + text.lstrip("/")).parts[1:]
        if ".." in parts:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Path must not contain '..': {path}")
        return self.root.joinpath(*parts)

    def local_for_task(self, argument: str) -> str:
        """A task argument as the cluster's Python sees it: `dbfs:/x` and the FUSE mount `/dbfs/x` become local."""
        if argument.startswith("dbfs:/"):
            return str(self.local(argument))
        if argument.startswith("/dbfs/"):
            return str(self.local(argument.removeprefix("/dbfs")))
        return argument

    def create(self, args: dict[str, Any]) -> dict[str, Any]:
        target = self._writable(args["path"], _flag(args.get("overwrite")))
        with self._lock:
            handle = next(self._ids)
            self._handles[handle] = target.open("wb")
        return {"handle": handle}

    def add_block(self, args: dict[str, Any]) -> dict[str, Any]:
        data = base64.b64decode(args["data"])
        if len(data) > MAX_BLOCK:
            raise ApiError(400, "MAX_BLOCK_SIZE_EXCEEDED", f"Block of {len(data)} bytes exceeds {MAX_BLOCK}")
        self._handle(args).write(data)
        return {}

    def close(self, args: dict[str, Any]) -> dict[str, Any]:
        self._handle(args).close()
        with self._lock:
            del self._handles[int(args["handle"])]
        return {}

    def put(self, args: dict[str, Any]) -> dict[str, Any]:
        data = base64.b64decode(args.get("contents", ""))
        if len(data) > MAX_BLOCK:
            raise ApiError(400, "MAX_BLOCK_SIZE_EXCEEDED", "Use create/add-block/close above 1 MB")
        self._writable(args["path"], _flag(args.get("overwrite"))).write_bytes(data)
        return {}

    def read(self, args: dict[str, Any]) -> dict[str, Any]:
        target = self._existing(args["path"])
        if target.is_dir():
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Cannot read a directory: {args['path']}")
        offset, length = int(args.get("offset", 0)), int(args.get("length", 512 * 1024))
        if length > MAX_BLOCK:
            raise ApiError(400, "MAX_READ_SIZE_EXCEEDED", f"length {length} exceeds {MAX_BLOCK}")
        with target.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        return {"bytes_read": len(data), "data": base64.b64encode(data).decode()}

    def get_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._status(args["path"], self._existing(args["path"]))

    def list(self, args: dict[str, Any]) -> dict[str, Any]:
        target = self._existing(args["path"])
        if not target.is_dir():
            return {"files": [self._status(args["path"], target)]}
        base = args["path"].rstrip("/")
        return {"files": [self._status(f"{base}/{child.name}", child) for child in sorted(target.iterdir())]}

    def mkdirs(self, args: dict[str, Any]) -> dict[str, Any]:
        target = self.local(args["path"])
        if target.is_file():
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"A file exists at {args['path']}")
        target.mkdir(parents=True, exist_ok=True)
        return {}

    def delete(self, args: dict[str, Any]) -> dict[str, Any]:
        target = self.local(args["path"])
        if target.is_dir():
            if any(target.iterdir()) and not _flag(args.get("recursive")):
                raise ApiError(400, "IO_ERROR", f"Directory {args['path']} is not empty; use recursive")
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        return {}

    def move(self, args: dict[str, Any]) -> dict[str, Any]:
        source = self._existing(args["source_path"])
        destination = self.local(args["destination_path"])
        if destination.exists():
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"{args['destination_path']} already exists")
        destination.parent.mkdir(parents=True, exist_ok=True)
        source.rename(destination)
        return {}

    def _writable(self, path: str, overwrite: bool) -> Path:
        target = self.local(path)
        if target.exists() and not overwrite:
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"A file or directory already exists at the input path {path}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _existing(self, path: str) -> Path:
        target = self.local(path)
        if not target.exists():
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"No file or directory exists on path {path}.")
        return target

    def _handle(self, args: dict[str, Any]) -> IO[bytes]:
        handle = self._handles.get(int(args["handle"]))
        if handle is None:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Unknown handle {args['handle']}")
        return handle

    @staticmethod
    def _status(path: str, target: Path) -> dict[str, Any]:
        stat = target.stat()
        return {
            "path": path,
            "is_dir": target.is_dir(),
            "file_size": 0 if target.is_dir() else stat.st_size,
            "modification_time": int(stat.st_mtime * 1000),
        }


def _flag(value: Any) -> bool:
    return value in (True, "true", "True")
