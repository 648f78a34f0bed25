using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetGen.Cli.Plotting;

/// <summary>
/// An RGB image to draw on: rectangles, anti-aliased lines and polylines, bitmap-font text (also turned a quarter to
/// the left, for vertical axis labels), saved as a PNG with nothing but System.IO.Compression: the plots need no native
/// library, so they work on any machine the program runs on.
/// </summary>
internal sealed class Canvas
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    private readonly byte[] _pixels;
    private readonly float[] _coverage;

    public Canvas(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        _pixels = new byte[3 * width * height];
        _coverage = new float[width * height];
        FillRectangle(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The colour of one pixel.</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            int i = 3 * (y * Width + x);
            return new Rgb(_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    public void FillRectangle(int x, int y, int width, int height, Rgb color)
    {
        for (int row = Math.Max(0, y); row < Math.Min(Height, y + height); row++)
        {
            for (int column = Math.Max(0, x); column < Math.Min(Width, x + width); column++)
            {
                Blend(column, row, color, 1);
            }
        }
    }

    /// <summary>The outline of a rectangle, one pixel wide, inside the given bounds.</summary>
    public void DrawRectangle(int x, int y, int width, int height, Rgb color)
    {
        FillRectangle(x, y, width, 1, color);
        FillRectangle(x, y + height - 1, width, 1, color);
        FillRectangle(x, y, 1, height, color);
        FillRectangle(x + width - 1, y, 1, height, color);
    }

    /// <summary>
    /// A polyline through the points, <paramref name="thickness"/> pixels wide and anti-aliased. Each pixel takes the
    /// largest coverage of any segment, so joints are not darkened by overlapping segments.
    /// </summary>
    public void DrawPolyline(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, Rgb color, double thickness, int clipLeft, int clipTop, int clipRight, int clipBottom)
    {
        double half = thickness / 2;
        int left = Math.Max(0, clipLeft), top = Math.Max(0, clipTop), right = Math.Min(Width, clipRight), bottom = Math.Min(Height, clipBottom);
        for (int i = 0; i < xs.Length; i++)
        {
            double x0 = xs[i], y0 = ys[i];
            double x1 = i + 1 < xs.Length ? xs[i + 1] : x0, y1 = i + 1 < ys.Length ? ys[i + 1] : y0;
            int fromX = Math.Max(left, (int)Math.Floor(Math.Min(x0, x1) - half - 1));
            int toX = Math.Min(right - 1, (int)Math.Ceiling(Math.Max(x0, x1) + half + 1));
            int fromY = Math.Max(top, (int)Math.Floor(Math.Min(y0, y1) - half - 1));
            int toY = Math.Min(bottom - 1, (int)Math.Ceiling(Math.Max(y0, y1) + half + 1));
            for (int y = fromY; y <= toY; y++)
            {
                for (int x = fromX; x <= toX; x++)
                {
                    double distance = DistanceToSegment(x + 0.5, y + 0.5, x0, y0, x1, y1);
                    float coverage = (float)Math.Clamp(half + 0.5 - distance, 0, 1);
                    int index = y * Width + x;
                    _coverage[index] = Math.Max(_coverage[index], coverage);
                }
            }
        }

        // Paint the coverage once and clear it for the next line.
        for (int y = top; y < bottom; y++)
        {
            for (int x = left; x < right; x++)
            {
                int index = y * Width + x;
                if (_coverage[index] > 0)
                {
                    Blend(x, y, color, _coverage[index]);
                    _coverage[index] = 0;
                }
            }
        }
    }

    /// <summary>A filled disc, anti-aliased at its edge.</summary>
    public void FillCircle(double centerX, double centerY, double radius, Rgb color)
    {
        for (int y = (int)Math.Floor(centerY - radius - 1); y <= (int)Math.Ceiling(centerY + radius + 1); y++)
        {
            for (int x = (int)Math.Floor(centerX - radius - 1); x <= (int)Math.Ceiling(centerX + radius + 1); x++)
            {
                double distance = Math.Sqrt((x + 0.5 - centerX) * (x + 0.5 - centerX) + (y + 0.5 - centerY) * (y + 0.5 - centerY));
                Blend(x, y, color, Math.Clamp(radius + 0.5 - distance, 0, 1));
            }
        }
    }

    /// <summary>Text whose top-left corner is (x, y).</summary>
    public void DrawText(string text, int x, int y, Rgb color, bool bold = false)
    {
        for (int i = 0; i < text.Length; i++)
        {
            var rows = BitmapFont.Glyph(text[i], bold);
            for (int r = 0; r < BitmapFont.Height; r++)
            {
                for (int c = 0; c < BitmapFont.Width; c++)
                {
                    if ((rows[r] & (1 << (BitmapFont.Width - 1 - c))) != 0)
                    {
                        Blend(x + i * BitmapFont.Width + c, y + r, color, 1);
                    }
                }
            }
        }
    }

    /// <summary>Text centred on <paramref name="centerX"/>, its top at <paramref name="y"/>.</summary>
    public void DrawTextCentered(string text, int centerX, int y, Rgb color, bool bold = false) =>
        DrawText(text, centerX - BitmapFont.Measure(text) / 2, y, color, bold);

    /// <summary>Text turned a quarter to the left (reading upwards), centred on <paramref name="centerY"/>, its top at <paramref name="x"/>.</summary>
    public void DrawTextUpwards(string text, int x, int centerY, Rgb color)
    {
        int length = BitmapFont.Measure(text);
        int bottom = centerY + length / 2;
        for (int i = 0; i < text.Length; i++)
        {
            var rows = BitmapFont.Glyph(text[i], bold: false);
            for (int r = 0; r < BitmapFont.Height; r++)
            {
                for (int c = 0; c < BitmapFont.Width; c++)
                {
                    if ((rows[r] & (1 << (BitmapFont.Width - 1 - c))) != 0)
                    {
                        Blend(x + r, bottom - (i * BitmapFont.Width + c), color, 1);
                    }
                }
            }
        }
    }

    public void SavePng(string path) => File.WriteAllBytes(path, EncodePng());

    /// <summary>The image as a PNG file: 8-bit RGB, no interlacing, each row unfiltered, zlib-compressed.</summary>
    public byte[] EncodePng()
    {
        using var file = new MemoryStream();
        file.Write(PngSignature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], Height);
        header[8] = 8;   // bits per sample
        header[9] = 2;   // colour type: RGB
        header[10] = 0;  // deflate
        header[11] = 0;  // adaptive filtering, filter type per row
        header[12] = 0;  // no interlace
        WriteChunk(file, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (int y = 0; y < Height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(_pixels, 3 * y * Width, 3 * Width);
            }
        }

        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    private void Blend(int x, int y, Rgb color, double alpha)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || alpha <= 0)
        {
            return;
        }

        int i = 3 * (y * Width + x);
        var mixed = new Rgb(_pixels[i], _pixels[i + 1], _pixels[i + 2]).Mix(color, alpha);
        _pixels[i] = mixed.R;
        _pixels[i + 1] = mixed.G;
        _pixels[i + 2] = mixed.B;
    }

    private static double DistanceToSegment(double px, double py, double x0, double y0, double x1, double y1)
    {
        double dx = x1 - x0, dy = y1 - y0;
        double lengthSquared = dx * dx + dy * dy;
        double t = lengthSquared == 0 ? 0 : Math.Clamp(((px - x0) * dx + (py - y0) * dy) / lengthSquared, 0, 1);
        double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
        return Math.Sqrt(ex * ex + ey * ey);
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            typeBytes[i] = (byte)type[i];
        }

        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = Crc(Crc(0xFFFF_FFFFu, typeBytes), data) ^ 0xFFFF_FFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }

    // The CRC-32 of PNG (ISO 3309, polynomial 0xEDB88320, reflected).
    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
