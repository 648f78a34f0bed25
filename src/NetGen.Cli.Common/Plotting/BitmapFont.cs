using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.Cli.Plotting;

/// <summary>
/// A fixed-width 9×15 bitmap font (X11 misc-fixed, public domain; <c>BitmapFont.Glyphs.g.cs</c>): printable ASCII and
/// the few symbols the plots use (‖ ∂ → ² and others). Other characters are drawn as '?'.
/// </summary>
internal static partial class BitmapFont
{
    /// <summary>The advance of every glyph, in pixels.</summary>
    public const int Width = 9;

    /// <summary>The height of a line, in pixels.</summary>
    public const int Height = 15;

    private const int HexDigitsPerGlyph = 3 * Height;

    /// <summary>The width of <paramref name="text"/> in pixels.</summary>
    public static int Measure(string text) => text.Length * Width;

    /// <summary>The glyph of <paramref name="character"/>: <see cref="Height"/> rows, leftmost pixel in bit 8.</summary>
    public static ushort[] Glyph(char character, bool bold)
    {
        if (bold && Tables.Bold.TryGetValue(character, out var boldRows))
        {
            return boldRows;
        }

        return Tables.Regular.TryGetValue(character, out var rows) ? rows : Tables.Regular['?'];
    }

    // Built on first use, in a class of their own: field initialisers in two files of a partial class run in no
    // defined order, and these read the glyph fields of the generated file.
    private static class Tables
    {
        public static readonly Dictionary<char, ushort[]> Regular = Build(RegularAscii, RegularExtra);
        public static readonly Dictionary<char, ushort[]> Bold = Build(BoldAscii, BoldExtra);
    }

    private static Dictionary<char, ushort[]> Build(string ascii, (char Character, string Rows)[] extra)
    {
        var glyphs = new Dictionary<char, ushort[]>();
        for (int i = 0; i * HexDigitsPerGlyph < ascii.Length; i++)
        {
            glyphs[(char)(' ' + i)] = Parse(ascii.AsSpan(i * HexDigitsPerGlyph, HexDigitsPerGlyph));
        }

        foreach (var (character, rows) in extra)
        {
            glyphs[character] = Parse(rows);
        }

        return glyphs;
    }

    private static ushort[] Parse(ReadOnlySpan<char> hex)
    {
        var rows = new ushort[Height];
        for (int r = 0; r < Height; r++)
        {
            rows[r] = ushort.Parse(hex.Slice(3 * r, 3), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return rows;
    }
}
