# Sourced by ./openmms and ./test: sets JAVA_HOME to the newest JDK 21+ found in JAVA_HOME,
# /usr/lib/jvm or on the PATH, or exits with a clear message.
java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}
find_jdk() {
  local candidates=() best="" best_major=0 home m
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for home in /usr/lib/jvm/*; do [ -d "$home" ] && candidates+=("$home"); done
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
    m=$(java_major "$home/bin/java"); m=${m:-0}
    if [ "$m" -ge 21 ] && [ "$m" -gt "$best_major" ]; then best="$home"; best_major=$m; fi
  done
  if [ -z "$best" ]; then
    echo "openmms: no JDK 21 or newer found (set JAVA_HOME, or install one, e.g. apt-get install openjdk-21-jdk)" >&2
    exit 1
  fi
  echo "$best"
}
JAVA_HOME="$(find_jdk)"
export JAVA_HOME
