"""Issue 13 part 1 through real processes: each hostile file given to ``importsheet`` and
uploaded to a running server is refused in Chinese, and both processes survive it.

The site runs from a temporary SQLite database (migrated and loaded with the demo once
for the module) with low limits set in the environment, as an operator would, so that the
files can stay small: a 3 MB .csv stands for the 200 MB one of the issue. Each process
has a 4 GiB address-space limit, so that a regression fails at once instead of swapping.
"""

from __future__ import annotations

import http.client
import os
import re
import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.hostile import (
    cell,
    far_cell_xls,
    far_cell_xlsx,
    many_sheets_xls,
    row,
    shared_string_bomb,
    shared_string_bomb_xls,
    xlsx,
)
from tests.sheets.helpers import case_row, csv_bytes, ids

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests"
MEMORY_LIMIT = 4 * 1024**3
CONTROL = "含有无法保存的控制字符（U+0000）：请删除（在 Excel 中可用 CLEAN() 函数）。"

# name, file bytes, what the CLI prints and the admin page shows
HOSTILE = [
    (
        "far-cell.xlsx",
        far_cell_xlsx(),
        "表格声明的范围 A1:XFD1048576 超过 1,000 行、50 列的上限："
        "请把数据复制到新的工作簿中再保存。",
    ),
    (
        "far-cell-undeclared.xlsx",
        xlsx(row(1, cell("A1", "姓名")) + row(1048576, cell("XFD1048576", "x"))),
        "表格在 XFD 列（第 16,384 列）有内容，超过 50 列的上限：请删除表格各列右边的内容。",
    ),
    (
        "zip-bomb.xlsx",
        xlsx(
            row(1, cell("A1", "姓名")),
            extra_parts={"xl/sharedStrings.xml": "<sst>" + " " * (3 * 1024**2) + "</sst>"},
        ),
        "工作簿解压后超过 2 MB 的上限：请在 Excel 中重新保存，或分成几个较小的文件。",
    ),
    (
        # 1,000 rows of 48 cells each given a copy of one 96 KB string: 4.6 GB
        "shared-string-bomb.xlsx",
        shared_string_bomb(1000, columns=48),
        "表格各单元格重复引用的文字超过 2 MB 的上限：请在 Excel 中重新保存，"
        "或分成几个较小的文件。",
    ),
    (
        "huge-cell.csv",
        csv_bytes([case_row(), case_row(备注="长" * 200_000)]),
        "第3行: 超过单元格 32,767 个字符的上限：请缩短内容。",
    ),
    (
        "big.csv",
        csv_bytes([case_row(备注="x" * (3 * 1024**2 - len(csv_bytes([case_row()]))))]),
        "文件大小为 3 MB，超过 1 MB 的上限：请分成几个较小的文件导入。",
    ),
    (
        "many-rows.csv",
        csv_bytes([case_row(身份证号=n) for n in ids(1500)]),
        "表格在表头以下超过 1,000 行的上限：请分成几个较小的文件导入。",
    ),
    ("nul.csv", csv_bytes([case_row(姓名="顾\x00小妹")]), f"第2行 姓名: {CONTROL}"),
    # .xls: calamine parses every sheet on opening and reserves what the file declares
    (
        "far-cell.xls",  # 6 KB; calamine would reserve 640 GiB and abort
        far_cell_xls(),
        "表格声明的范围 A1:XFD1048576 超过 1,000 行、50 列的上限："
        "请把数据复制到新的工作簿中再保存。",
    ),
    (
        "far-cell-undeclared.xls",  # a cell at row and column 65,536: 128 GiB
        far_cell_xls(declared=False),
        "表格在 CRXP 列（第 65,536 列）有内容，超过 50 列的上限：请删除表格各列右边的内容。",
    ),
    (
        # 1,000 rows of 20 cells each given a copy of one 96 KB string: 1.9 GB
        "shared-string-bomb.xls",
        shared_string_bomb_xls(1000, columns=20),
        "表格各单元格重复引用的文字超过 2 MB 的上限：请在 Excel 中重新保存，"
        "或分成几个较小的文件。",
    ),
    (
        # two sheets each within the limits (1,000 rows of 50 columns), 4 MB together
        "many-sheets.xls",
        many_sheets_xls(2, 999, 49),
        "工作簿各工作表的单元格合计超过 2 MB 的上限：请删除第一个工作表以外的工作表，"
        "或分成几个较小的文件。",
    ),
]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("hostile-site")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "SECRET_KEY": "hostile-files-test",
        # DEBUG on only for its plain static files and cookies over http; the pages
        # checked here are refusals, never error pages.
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REQUEST_LOG": "0",
        "RELIEF_SHEET_MAX_UPLOAD_BYTES": str(1024**2),
        "RELIEF_JOB_MAX_UPLOAD_BYTES": str(1024**2),  # not taken by a job either
        "RELIEF_SHEET_MAX_ROWS": "1000",
        "RELIEF_JOB_MAX_ROWS": "1000",
        "RELIEF_SHEET_MAX_UNPACKED_BYTES": str(2 * 1024**2),
        "RELIEF_PENDING_UPLOAD_DIR": str(folder / "pending"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput"], ["loaddemo", "--password", PASSWORD]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    files = folder / "files"
    files.mkdir()
    for name, data, _message in HOSTILE:
        (files / name).write_bytes(data)
    yield {"env": env, "manage": manage, "files": files, "folder": folder}


@pytest.fixture(scope="module")
def server(site) -> Iterator[dict]:
    port = _free_port()
    log = open(site["folder"] / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [*site["manage"], "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
        env=site["env"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_limit_memory,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail((site["folder"] / "server.log").read_text())
            time.sleep(0.2)
    try:
        yield {"process": process, "port": port, "log": site["folder"] / "server.log"}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


class Browser:
    """Just enough of a browser: cookies, the CSRF token, multipart uploads."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=b"", headers=None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        text = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, dict(response.getheaders()), text

    def csrf(self, page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def login(self, username: str) -> None:
        _status, _headers, page = self.request("GET", "/admin/login/")
        body = (
            f"csrfmiddlewaretoken={self.csrf(page)}&username={username}"
            f"&password={PASSWORD}&next=/admin/"
        ).encode()
        status, _headers, _text = self.request(
            "POST",
            "/admin/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302

    def upload(self, path: str, name: str, data: bytes, fmt: str) -> tuple[int, str]:
        _status, _headers, page = self.request("GET", path)
        boundary = uuid.uuid4().hex
        parts = [
            ("csrfmiddlewaretoken", None, self.csrf(page).encode()),
            ("format", None, fmt.encode()),
            ("import_file", name, data),
        ]
        body = b""
        for field, file_name, content in parts:
            disposition = f'form-data; name="{field}"'
            if file_name:
                disposition += f'; filename="{file_name}"'
            body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
            if file_name:
                body += b"Content-Type: application/octet-stream\r\n"
            body += b"\r\n" + content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        status, _headers, text = self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        return status, text


@pytest.mark.parametrize("name,data,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_importsheet_refuses_each_hostile_file_and_exits_1(site, name, data, message):
    done = subprocess.run(
        [
            *site["manage"],
            "importsheet",
            "cases",
            str(site["files"] / name),
            "--as",
            "kunshan_clerk",
        ],
        env=site["env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_memory,
        timeout=300,
    )

    assert done.returncode == 1, done.stderr
    assert message in done.stdout.splitlines()
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name,data,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_the_server_refuses_each_hostile_upload_and_goes_on_serving(
    site, server, name, data, message
):
    browser = Browser(server["port"])
    browser.login("kunshan_clerk")
    fmt = {"xlsx": "0", "csv": "1", "xls": "2"}[name.rsplit(".", 1)[1]]

    status, page = browser.upload("/admin/cases/case/import/", name, data, fmt)

    assert status == 200
    # The page shows the message as HTML (the preview's table splits row and column off).
    shown = message.split(": ", 1)[1] if message.startswith("第") else message
    assert shown in page.replace("&#x27;", "'")
    assert server["process"].poll() is None, server["log"].read_text()
    status, _headers, index = browser.request("GET", "/admin/")
    assert status == 200 and "帮扶" in index
    assert not list((site["folder"] / "pending").glob("*.upload"))
