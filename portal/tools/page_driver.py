"""Driving the real app through AppTest for the bench: open a page with URL parameters, run it, stop on failure."""
from __future__ import annotations

from typing import Any


class PageDriver:
    """An AppTest signed in as the bench user; `area` names the pages in a failure message."""

    def __init__(self, at: Any, area: str):
        self.at, self.area = at, area

    def checked(self, result: Any) -> Any:
        if result.exception:
            raise SystemExit(f"A {self.area} page failed: {result.exception[0].value}")
        return result

    def run(self) -> Any:
        return self.checked(self.at.run())

    def go(self, page: str, **params: str) -> None:
        """Open `page` with exactly `params` in its URL."""
        self.at.switch_page(page)
        self.at.query_params.clear()
        self.at.query_params.update(params)
        self.run()

    def with_params(self, **params: str) -> Any:
        """Run the open page again with `params` changed in its URL."""
        self.at.query_params.update(params)
        return self.run()
