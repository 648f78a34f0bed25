namespace NetGen.Cli.Plotting;

/// <summary>An opaque colour.</summary>
/// <param name="R">Red, 0–255.</param>
/// <param name="G">Green, 0–255.</param>
/// <param name="B">Blue, 0–255.</param>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255);
    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb Text = new(34, 34, 34);
    public static readonly Rgb Axis = new(80, 80, 80);
    public static readonly Rgb Grid = new(228, 228, 228);

    /// <summary>The line colours of the series, in order (matplotlib's "tab10").</summary>
    public static readonly Rgb[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>The colour a fraction <paramref name="t"/> of the way from this one to <paramref name="other"/>.</summary>
    public Rgb Mix(Rgb other, double t) => new(Lerp(R, other.R, t), Lerp(G, other.G, t), Lerp(B, other.B, t));

    private static byte Lerp(byte a, byte b, double t) => (byte)System.Math.Round(a + (b - a) * System.Math.Clamp(t, 0, 1));
}
