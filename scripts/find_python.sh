#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10), or explain what to install.
set -euo pipefail
for candidate in python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.10.*/bin/python3.10 \
                 "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  path=$(command -v "$candidate" 2>/dev/null || true)
  if [ -n "$path" ] && "$path" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
cat >&2 <<'MSG'
[hotline] Python 3.10 was not found. Rasa 3.6 runs on Python 3.8-3.10 only.
[hotline] Install it, for example:  pyenv install 3.10.13   or   apt-get install python3.10 python3.10-venv
MSG
exit 1
