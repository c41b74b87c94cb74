#!/usr/bin/env bash
# Checks the ESP-IDF project firmware-esp32/idf against an ESP-IDF source tree, without the
# toolchain (ESP-IDF cannot be installed here):
#  1. every header that main/ and the core component include resolves inside the
#     REQUIRES/PRIV_REQUIRES closure of the components they name (ESP-IDF >= 5.0 exposes only
#     those; the closure adds each dependency's public REQUIRES and the common requirements
#     from tools/cmake/build.cmake), or is a toolchain header;
#  2. every ESP-IDF call in main/ (esp_*, nvs_*, uart_*, gpio_*, FreeRTOS, ESP_* macros, ...)
#     and every Mbed TLS/PSA call in the core is declared in a header of that closure;
#  3. every field main/ sets on an ESP-IDF config struct (config.a.b = ...) exists in it;
#  4. every CONFIG_ option in sdkconfig.defaults, sdkconfig.production and the sources is
#     defined by a Kconfig file of that tree or by main/Kconfig.projbuild.
# Usage: scripts/check-idf.sh IDF_PATH   (e.g. a `git archive v5.5.5` extraction; the
# submodules main needs (components/mqtt/esp-mqtt, components/mbedtls/mbedtls/include,
# components/lwip/lwip/src/include) must be filled in; missing ones are reported).
# Exit 0 when everything resolves, 1 otherwise. What it cannot see: code behind
# preprocessor conditions is checked as if every branch were taken, argument types are not
# checked, and nothing is compiled or linked.
set -euo pipefail
if [[ $# -ne 1 || ! -d $1/components ]]; then
  echo "usage: $0 IDF_PATH (an ESP-IDF source tree with components/)" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec python3 - "$1" "$root" <<'PYTHON'
import os, re, sys

idf, root = sys.argv[1], sys.argv[2]
project = os.path.join(root, "firmware-esp32", "idf")
core_dir = os.path.join(root, "firmware-esp32", "core")
TARGET = "esp32"
failures = []

def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()

version = "unknown"
version_header = os.path.join(idf, "components/esp_common/include/esp_idf_version.h")
if os.path.exists(version_header):
    text = read(version_header)
    parts = [re.search(r"#define ESP_IDF_VERSION_%s\s+(\d+)" % p, text) for p in ("MAJOR", "MINOR", "PATCH")]
    if all(parts):
        version = ".".join(m.group(1) for m in parts)
print("ESP-IDF tree: %s (version %s), target %s" % (idf, version, TARGET))

for sub, probe in (("components/mqtt/esp-mqtt", "include/mqtt_client.h"),
                   ("components/mbedtls/mbedtls", "include/mbedtls/ssl.h"),
                   ("components/lwip/lwip", "src/include/lwip/sockets.h")):
    if not os.path.exists(os.path.join(idf, sub, probe)):
        failures.append("submodule %s is missing (%s not found)" % (sub, probe))

# ---- component CMakeLists parsing (all branches taken: an over-approximation) ----
KEYWORDS = {"SRCS", "SRC_DIRS", "EXCLUDE_SRCS", "INCLUDE_DIRS", "PRIV_INCLUDE_DIRS", "LDFRAGMENTS",
            "REQUIRED_IDF_TARGETS", "EMBED_FILES", "EMBED_TXTFILES", "KCONFIG", "KCONFIG_PROJBUILD",
            "WHOLE_ARCHIVE", "REQUIRES", "PRIV_REQUIRES"}

def strip_comments(text):
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())

def calls(text, name):
    out = []
    for m in re.finditer(r"\b%s\s*\(" % name, text, re.I):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end():i - 1])
    return out

def tokens(args):
    return [t.replace('"', "") for t in re.findall(r'"[^"]*"|[^\s"]+', args)]

def expand_text(cmake_path, component_dir):
    """The file's text with include()d files inlined, each with its own list dir."""
    text = strip_comments(read(cmake_path))
    list_dir = os.path.dirname(cmake_path)
    text = text.replace("${CMAKE_CURRENT_LIST_DIR}", list_dir)
    for inc in calls(text, "include"):
        path = inc.strip().strip('"').replace("${COMPONENT_DIR}", component_dir)
        if path.endswith("CMakeLists.txt") and os.path.exists(path):
            text += "\n" + expand_text(path, component_dir)
    return text

def parse_component(name, directory, cmake_path=None):
    cmake_path = cmake_path or os.path.join(directory, "CMakeLists.txt")
    info = {"dir": directory, "INCLUDE_DIRS": set(), "PRIV_INCLUDE_DIRS": set(),
            "REQUIRES": set(), "PRIV_REQUIRES": set(), "SRCS": set()}
    if not os.path.exists(cmake_path):
        return info
    text = expand_text(cmake_path, directory)
    variables = {"COMPONENT_DIR": [directory], "CMAKE_CURRENT_LIST_DIR": [directory],
                 "target": [TARGET], "IDF_TARGET": [TARGET], "idf_target": [TARGET]}
    for command in ("set", "list"):
        for args in calls(text, command):
            t = tokens(args)
            if command == "set" and t:
                variables.setdefault(t[0], []).extend(x for x in t[1:] if x not in ("CACHE", "PARENT_SCOPE"))
            elif command == "list" and len(t) >= 2 and t[0] in ("APPEND", "PREPEND"):
                variables.setdefault(t[1], []).extend(t[2:])

    def expand(token, depth=0):
        token = token.strip('"')
        m = re.search(r"\$\{(\w+)\}", token)
        if not m:
            return [x for x in token.split(";") if x]
        if depth > 4 or m.group(1) not in variables:
            return []
        out = set()
        # A value naming its own variable (set(srcs ${srcs} x)) adds nothing new: skip it.
        for value in set(variables[m.group(1)]):
            if "${%s}" % m.group(1) not in value:
                out.update(expand(token[:m.start()] + value + token[m.end():], depth + 1))
        return sorted(out)

    for args in calls(text, "idf_component_register"):
        key = None
        for tok in tokens(args):
            if tok in KEYWORDS:
                key = tok
            elif key in info:
                info[key].update(expand(tok))
    for key in ("INCLUDE_DIRS", "PRIV_INCLUDE_DIRS"):
        info[key] = {p if os.path.isabs(p) else os.path.normpath(os.path.join(directory, p))
                     for p in info[key]}
    return info

components = {}
for name in sorted(os.listdir(os.path.join(idf, "components"))):
    path = os.path.join(idf, "components", name)
    if os.path.isdir(path):
        components[name] = parse_component(name, path)
components["core"] = parse_component("core", core_dir)
components["main"] = parse_component("main", os.path.join(project, "main"))

common = []
build_cmake = os.path.join(idf, "tools/cmake/build.cmake")
if os.path.exists(build_cmake):
    m = re.search(r"set\(requires_common (cxx newlib[^)]*)\)", read(build_cmake))
    if m:
        common = m.group(1).split()
if not common:
    failures.append("cannot read the common requirements from tools/cmake/build.cmake")
common.append("xtensa")  # the esp32's architecture component, added by build.cmake

def closure(name):
    info = components[name]
    seen, stack = set(), list(info["REQUIRES"] | info["PRIV_REQUIRES"]) + common
    while stack:
        dep = stack.pop()
        if dep in seen or dep == name:
            continue
        seen.add(dep)
        if dep not in components:
            failures.append("component '%s' requires '%s', which this ESP-IDF tree does not have" % (name, dep))
            continue
        stack.extend(components[dep]["REQUIRES"])
        stack.extend(common)
    return seen

STD_HEADERS = set("""algorithm array atomic cassert cctype cerrno charconv chrono cinttypes climits
cmath cstddef cstdint cstdio cstdlib cstring ctime deque functional initializer_list iterator limits
map memory mutex optional set sstream string string_view thread tuple type_traits utility variant
vector fstream iostream cstdarg span assert.h ctype.h errno.h fcntl.h inttypes.h limits.h stdarg.h
stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h strings.h time.h unistd.h sys/types.h""".split())

def header_dirs(name, own=True):
    dirs = set(components[name]["INCLUDE_DIRS"])
    if own:
        dirs |= components[name]["PRIV_INCLUDE_DIRS"]
    for dep in closure(name):
        if dep in components:
            dirs |= components[dep]["INCLUDE_DIRS"]
    return dirs

def owner_of(header):
    for name, info in components.items():
        for d in info["INCLUDE_DIRS"]:
            if os.path.exists(os.path.join(d, header)):
                return name
    return None

def sources_of(name):
    if name == "main":
        base = os.path.join(project, "main")
        return [os.path.join(base, f) for f in sorted(os.listdir(base)) if f.endswith((".cpp", ".h"))]
    files = []
    for sub in ("src", "include/certacl_fw"):
        base = os.path.join(core_dir, sub)
        files += [os.path.join(base, f) for f in sorted(os.listdir(base)) if f.endswith((".cpp", ".h"))]
    return files + [os.path.join(root, "common/src/identity.cpp")]

# ---- 0. sources: main's SRCS and its .cpp files are the same set ----
main_dir = os.path.join(project, "main")
listed = {os.path.basename(p) for p in components["main"]["SRCS"]}
present = {f for f in os.listdir(main_dir) if f.endswith((".c", ".cpp"))}
for f in sorted(listed - present):
    failures.append("firmware-esp32/idf/main/CMakeLists.txt lists %s, which does not exist" % f)
for f in sorted(present - listed):
    failures.append("firmware-esp32/idf/main/%s is not in SRCS" % f)
print("sources: %d files in main's SRCS" % len(listed))

# ---- 1. headers ----
for name in ("main", "core"):
    dirs = header_dirs(name)
    checked = 0
    for source in sources_of(name):
        for header in re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', read(source), re.M):
            checked += 1
            if os.path.exists(os.path.join(os.path.dirname(source), header)):
                continue
            if any(os.path.exists(os.path.join(d, header)) for d in dirs):
                continue
            if header in STD_HEADERS or header == "sdkconfig.h":  # sdkconfig.h: made by the build
                continue
            where = owner_of(header)
            hint = " (it is in component '%s': add it to REQUIRES)" % where if where else " (no component has it)"
            failures.append("%s: <%s> is not in the REQUIRES closure of '%s'%s"
                            % (os.path.relpath(source, root), header, name, hint))
    print("headers: %d includes of component '%s' checked; REQUIRES %s; closure %d components"
          % (checked, name, " ".join(sorted(components[name]["REQUIRES"] | components[name]["PRIV_REQUIRES"])),
             len(closure(name))))

# ---- 2. calls ----
def declared_names(dirs):
    names = set()
    for d in dirs:
        for dirpath, _, files in os.walk(d):
            for f in files:
                if f.endswith(".h"):
                    text = read(os.path.join(dirpath, f))
                    names.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text))
                    names.update(re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M))
                    names.update(re.findall(r"\b(\w+)\s*;", text))  # typedef'd function pointers, fields
    return names

own_definitions = set()
for source in sources_of("main") + sources_of("core"):
    own_definitions.update(re.findall(r"^[\w:<>,\s\*&]*?\b(\w+)\s*\([^;]*\)\s*(?:const\s*)?(?:noexcept\s*)?\{", read(source), re.M))

PATTERNS = {
    "main": r"\b((?:esp_|nvs_|uart_|usb_serial_jtag_|gpio_|x[A-Z]|v[A-Z]|pd[A-Z]|ESP_|WIFI_|USB_|FD_|mbedtls_)\w*)\s*\(",
    "core": r"\b((?:mbedtls_|psa_|MBEDTLS_)\w*)\s*\(",
}
for name in ("main", "core"):
    names = declared_names(header_dirs(name))
    used = {}
    for source in sources_of(name):
        text = re.sub(r"//.*", "", read(source))
        for call in re.findall(PATTERNS[name], text):
            if call not in own_definitions:
                used.setdefault(call, os.path.relpath(source, root))
    missing = sorted(c for c in used if c not in names)
    for call in missing:
        failures.append("%s: %s() is declared in no header of the closure of '%s'" % (used[call], call, name))
    print("calls: %d distinct ESP-IDF/Mbed TLS functions and macros used by '%s', %d undeclared"
          % (len(used), name, len(missing)))
    if name == "main":
        print("  " + " ".join(sorted(used)))

# ---- 3. config struct fields ----
main_dirs = header_dirs("main")
def typedef_body(type_name):
    for d in main_dirs:
        for dirpath, _, files in os.walk(d):
            for f in files:
                if not f.endswith(".h"):
                    continue
                text = read(os.path.join(dirpath, f))
                end = re.search(r"\}\s*%s\s*;" % type_name, text)
                if end:
                    start = text.rfind("typedef struct", 0, end.start())
                    return text[start:end.end()]
    return None

fields_checked = 0
for source in sources_of("main"):
    text = read(source)
    for type_name, var in re.findall(r"\b(\w+_t)\s+(\w+)\s*\{\s*\}\s*;", text):
        body = typedef_body(type_name)
        if body is None:
            continue
        for path in set(re.findall(r"\b%s\.([\w.]+)\s*=" % var, text)):
            for field in path.split("."):
                fields_checked += 1
                if not re.search(r"\b%s\b\s*(?:;|\[|:)|\}\s*%s\s*;" % (field, field), body):
                    failures.append("%s: %s has no field '%s' (in %s.%s)"
                                    % (os.path.relpath(source, root), type_name, field, var, path))
print("fields: %d config struct field names checked" % fields_checked)

# ---- 4. Kconfig options ----
known = set()
for dirpath, _, files in os.walk(idf):
    for f in files:
        if f.startswith("Kconfig") or f.endswith(".in") and "Kconfig" in f:
            known.update(re.findall(r"^\s*(?:menu)?config\s+(\w+)", read(os.path.join(dirpath, f)), re.M))
known.update(re.findall(r"^\s*(?:menu)?config\s+(\w+)", read(os.path.join(project, "main/Kconfig.projbuild")), re.M))
options = {}
for profile in ("sdkconfig.defaults", "sdkconfig.production"):
    for line in read(os.path.join(project, profile)).splitlines():
        m = re.match(r"^(?:#\s*)?CONFIG_(\w+)=", line.strip())
        if m and not line.strip().startswith("#"):
            options.setdefault(m.group(1), profile)
for source in sources_of("main"):
    for option in re.findall(r"\bCONFIG_(\w+)", read(source)):
        options.setdefault(option, os.path.relpath(source, root))
for option, where in sorted(options.items()):
    if option not in known:
        failures.append("%s: CONFIG_%s is defined by no Kconfig file" % (where, option))
print("kconfig: %d options checked (%d Kconfig symbols in the tree)" % (len(options), len(known)))

for failure in failures:
    print("FAIL " + failure)
print("check-idf: %s (%d failures)" % ("OK" if not failures else "FAILED", len(failures)))
sys.exit(1 if failures else 0)
PYTHON
