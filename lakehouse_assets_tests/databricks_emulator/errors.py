"""The error shape of the Databricks REST API: an HTTP status plus `{"error_code": ..., "message": ...}`."""


class ApiError(Exception):
    def __init__(self, status: int, error_code: str, message: str):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message
