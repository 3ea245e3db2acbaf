import pytest

from realtimekit_async._cli._messages import cli_terms, one_line


@pytest.mark.parametrize(
    ("sdk", "cli"),
    [
        (
            "pass either resume= or filters: a resume token carries its own filters",
            "pass either --resume or filters: a resume token carries its own filters",
        ),
        ("api_token must be a non-empty string", "--token must be a non-empty string"),
        (
            "set CLOUDFLARE_API_TOKEN in the environment (or pass them as arguments)",
            "set CLOUDFLARE_API_TOKEN in the environment (or pass --account-id, --app-id, --token)",
        ),
        ("statuses must name at least one status", "--status must name at least one status"),
        ("status must be one of A, B; got 'C'", "--status must be one of A, B; got 'C'"),
        ("timeout must be a finite number", "--timeout must be a finite number"),
        ("start_time X is after end_time Y", "--start-time X is after --end-time Y"),
        ("recording_id must be a non-empty id", "RECORDING_ID must be a non-empty id"),
        (
            "only UPLOADED recordings have files (wait_for_status() waits for the upload)",
            "only UPLOADED recordings have files (realtimekit wait waits for the upload)",
        ),
        ("'FOO' is not a recording status", "'FOO' is not a recording status"),
        ("the status is unknown", "the status is unknown"),
        ("--per-page must be at least 1", "--per-page must be at least 1"),
    ],
)
def test_sdk_names_become_cli_names(sdk: str, cli: str) -> None:
    """SDK parameter and call names are rewritten to the options and commands that set them."""
    assert cli_terms(sdk) == cli


def test_one_line_joins_every_line() -> None:
    """A message over several lines becomes one."""
    assert one_line("a\n  b\r\nc") == "a b c"
