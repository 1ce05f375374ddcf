#!/usr/bin/env python
import os
import secrets
import sys

# Commands that only read the code and write files in the tree: they never sign anything, so with DEBUG off
# they run without a configured SECRET_KEY (a throwaway one, new each time). Every other command still needs it.
KEYLESS_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
