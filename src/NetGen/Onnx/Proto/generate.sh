#!/usr/bin/env bash
# Regenerates Onnx.g.cs from onnx.proto with protoc from the Google.Protobuf.Tools package (the version must match the
# Google.Protobuf runtime that NetGen.csproj references). The generated types are internal: the ONNX model classes are
# an implementation detail of OnnxExporter.
set -euo pipefail
cd "$(dirname "$0")"
version=3.36.2
tools="${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.protobuf.tools/$version/tools"
if [ ! -x "$tools/linux_x64/protoc" ]; then
  echo "protoc not found: restore a project referencing Google.Protobuf.Tools $version first (dotnet restore)" >&2
  exit 1
fi
"$tools/linux_x64/protoc" --proto_path=. --csharp_out=. --csharp_opt=internal_access,file_extension=.g.cs onnx.proto
