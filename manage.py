#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    if sys.argv[1:2] == ["rundesk"]:
        # Before the settings start the embedded servers, so a signal at any moment stops them again.
        from newsroom import desk_lock, runtime

        runtime.stop_on_signals()
        # One desk per var/ folder: a second start must not touch the running desk's embedded servers.
        try:
            desk_lock.claim_folder()
        except (desk_lock.DeskAlreadyRunning, runtime.EmbeddedServiceError) as error:
            sys.exit(str(error))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
