#!/usr/bin/env bash
# patch-libtorchsharp.sh NATIVE_DIR WORK_DIR
#
# Makes the COPY of TorchSharp's libLibTorchSharp.so in NATIVE_DIR (a build output folder, never the NuGet cache)
# loadable with an older libstdc++. TorchSharp 0.107.0's native library was linked against GCC 13+ and requires
# GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12, up to GLIBCXX_3.4.30) lacks; the one symbol it binds at that
# version is std::ios_base_library_init(), which no relocation references (GCC 13's <iostream> only names it to pull in
# stream initialisation). So:
#   1. build libnetgen-glibcxx-shim.so, which exports _ZSt21ios_base_library_initv at version GLIBCXX_3.4.32 and holds a
#      std::ios_base::Init object (cout and friends are constructed before libLibTorchSharp.so's own constructors run);
#   2. patchelf --add-needed the shim into a temporary copy of libLibTorchSharp.so (found through its RUNPATH $ORIGIN);
#   3. mark the GLIBCXX_3.4.32 requirement on libstdc++.so.6 weak (VER_FLG_WEAK), so the loader accepts the system
#      libstdc++ without that version instead of refusing the library;
#   4. move the patched copy over NATIVE_DIR/libLibTorchSharp.so (rename, so a hard-linked file is never written into).
# Idempotent and quick when the copy is already patched. Installs patchelf and g++ with apt-get when missing and run as
# root. Always exits 0: a library it cannot patch is reported here and again, clearly, by the benchmarks, which then skip
# the TorchSharp peer and run everything else.
set -uo pipefail

native_dir=${1:?usage: patch-libtorchsharp.sh NATIVE_DIR WORK_DIR}
work_dir=${2:?usage: patch-libtorchsharp.sh NATIVE_DIR WORK_DIR}
here=$(cd "$(dirname "$0")" && pwd)
library="$native_dir/libLibTorchSharp.so"
shim_name=libnetgen-glibcxx-shim.so
version=GLIBCXX_3.4.32

say() { echo "TorchSharp shim: $*"; }
give_up() { say "$* -- the TorchSharp peer will not load from $native_dir; the benchmarks say so and run everything else."; exit 0; }

[ "$(uname -s)" = Linux ] || exit 0
[ -f "$library" ] || { say "no $library, nothing to patch."; exit 0; }

# Tools: readelf (binutils), g++, patchelf.
missing=()
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v patchelf >/dev/null 2>&1 || missing+=(patchelf)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} with apt-get"
    { apt-get install -y -qq "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }; } >/dev/null 2>&1 \
      || give_up "could not install ${missing[*]}"
  else
    give_up "needs ${missing[*]} (apt-get install ${missing[*]})"
  fi
fi

needs=$(readelf -V -W "$library" 2>/dev/null | grep -F "Name: $version" || true)
if [ -z "$needs" ]; then
  say "$library does not require $version, nothing to do."; exit 0
fi

if readelf -d -W "$library" | grep -qF "[$shim_name]" && echo "$needs" | grep -q "Flags: WEAK" && [ -f "$native_dir/$shim_name" ]; then
  exit 0   # already patched
fi

# Does the system libstdc++ already provide the version? Then the library loads as it is.
libstdcxx=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')
if [ -n "$libstdcxx" ] && grep -qaF "$version" "$libstdcxx"; then
  say "$libstdcxx provides $version, no patch needed."; exit 0
fi

mkdir -p "$work_dir" || give_up "cannot create $work_dir"
shim="$work_dir/$shim_name"
weaken="$work_dir/weaken-verneed"
if [ ! -f "$shim" ] || [ "$here/glibcxx-shim.cpp" -nt "$shim" ] || [ "$here/glibcxx-shim.map" -nt "$shim" ]; then
  g++ -std=c++17 -O2 -Wall -Wextra -shared -fPIC -Wl,--version-script="$here/glibcxx-shim.map" -Wl,-soname,"$shim_name" \
    -o "$shim" "$here/glibcxx-shim.cpp" || give_up "could not build the shim"
fi
if [ ! -x "$weaken" ] || [ "$here/weaken-verneed.cpp" -nt "$weaken" ]; then
  g++ -std=c++17 -O2 -Wall -Wextra -o "$weaken" "$here/weaken-verneed.cpp" || give_up "could not build weaken-verneed"
fi

temporary=$(mktemp "$native_dir/.libLibTorchSharp.so.XXXXXX") || give_up "cannot write in $native_dir"
cp -f "$library" "$temporary" || give_up "cannot copy $library"
if ! readelf -d -W "$temporary" | grep -qF "[$shim_name]"; then
  patchelf --add-needed "$shim_name" "$temporary" || { rm -f "$temporary"; give_up "patchelf --add-needed failed"; }
fi
"$weaken" "$temporary" libstdc++.so.6 "$version" || { rm -f "$temporary"; give_up "could not mark $version weak"; }
cp "$shim" "$native_dir/$shim_name" || { rm -f "$temporary"; give_up "cannot copy the shim"; }
chmod --reference="$library" "$temporary" 2>/dev/null || chmod 755 "$temporary"
mv -f "$temporary" "$library" || { rm -f "$temporary"; give_up "cannot replace $library"; }
say "patched $library (needs $shim_name; $version on libstdc++.so.6 weak)."
