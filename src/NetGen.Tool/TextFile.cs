using System.Text;
using NetGen.IO;

namespace NetGen.Tool;

/// <summary>Writes the tool's text outputs atomically, as UTF-8 without a byte-order mark: a crash leaves the old file or the new one.</summary>
internal static class TextFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void Write(string path, string text) => AtomicFile.Write(path, stream => stream.Write(Utf8.GetBytes(text)));
}
