using System.Linq;
using System.Text;
using Xunit;

namespace NetGen.DataIO.Tests;

/// <summary>File names at and near the 255-byte limit of Linux file systems, in one-, three- and four-byte UTF-8 characters.</summary>
public static class LongFileNames
{
    /// <summary>The names the atomic-save tests write.</summary>
    public static TheoryData<string> All => new()
    {
        Name(250, "a"),
        Name(255, "b"),
        Name(255, "€"),   // 85 three-byte characters
        Name(252, "😀"),  // 63 four-byte characters (surrogate pairs in UTF-16)
    };

    /// <summary>A name of exactly <paramref name="bytes"/> UTF-8 bytes made of <paramref name="unit"/>, padded with 'x' where the unit does not divide it.</summary>
    public static string Name(int bytes, string unit)
    {
        int unitBytes = Encoding.UTF8.GetByteCount(unit);
        string name = string.Concat(Enumerable.Repeat(unit, bytes / unitBytes)) + new string('x', bytes % unitBytes);
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(name));
        return name;
    }
}
