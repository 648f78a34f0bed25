using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetGen.Cli;
using NetGen.Evaluation;
using NetGen.Training;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>
/// The job's plots come from its own renderer (issue 16, item 9: no native graphics library): the files are valid PNGs
/// with intact checksums and the expected pixels.
/// </summary>
public sealed class PlotTests
{
    /// <summary>Reads a PNG's chunks, checking every CRC, and returns its size and decompressed RGB rows.</summary>
    internal static (int Width, int Height, byte[][] Rows) DecodePng(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png.Take(8).ToArray());
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        int position = 8;
        string type;
        do
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            type = System.Text.Encoding.ASCII.GetString(png, position + 4, 4);
            var data = png.AsSpan(position + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            Assert.Equal(Crc32(png.AsSpan(position + 4, 4 + length)), crc);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, data[8..].ToArray());
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            position += 12 + length;
        }
        while (type != "IEND");

        Assert.Equal(png.Length, position);
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        Assert.Equal((3 * width + 1) * height, bytes.Length);
        var rows = new byte[height][];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, bytes[y * (3 * width + 1)]);
            rows[y] = bytes.AsSpan(y * (3 * width + 1) + 1, 3 * width).ToArray();
        }

        return (width, height, rows);
    }

    // Bit by bit, independently of the renderer's table: CRC-32 with the reflected polynomial 0xEDB88320.
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFF_FFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ ((crc & 1) * 0xEDB8_8320u);
            }
        }

        return ~crc;
    }

    private static TrainingHistory History(int epochs)
    {
        var history = new TrainingHistory(2);
        for (int e = 1; e <= epochs; e++)
        {
            history.Add(new EpochRecord
            {
                Epoch = e, Steps = 10, TrainingLoss = 2.0 / e, TrainingObjective = 2.0 / e, TrainingAccuracy = 1 - 0.5 / e,
                ValidationLoss = 2.2 / e, ValidationAccuracy = 1 - 0.6 / e, LearningRate = 0.01, RejectedSteps = 0,
                Elapsed = TimeSpan.FromSeconds(e), LayerGradientNorms = [0.5 / e, 0.001 * e],
            });
        }

        return history;
    }

    [Fact]
    public void TrainingCurvesAndGradientNormsAreValidPngsOfTheStatedSizeWithDrawnLines()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-plot-{Environment.ProcessId}-curves.png");
        string gradients = Path.ChangeExtension(path, ".gradients.png");
        try
        {
            TrainingPlots.SaveTrainingCurves(History(12), "a title", path);
            var (width, height, rows) = DecodePng(File.ReadAllBytes(path));
            Assert.Equal((1000, 840), (width, height));
            // The first series' blue (31, 119, 180) appears, so the lines were drawn.
            Assert.Contains(rows, row => Enumerable.Range(0, width).Any(x => row[3 * x] == 31 && row[3 * x + 1] == 119 && row[3 * x + 2] == 180));

            var spec = new NetworkSpec(3, [new DenseLayerSpec(4, Activation.ReLU), new DenseLayerSpec(2, Activation.Softmax)], Loss.SoftmaxCrossEntropy, Precision.Single);
            TrainingPlots.SaveGradientNorms(History(50), spec, "norms", gradients);
            var (gradientWidth, gradientHeight, _) = DecodePng(File.ReadAllBytes(gradients));
            Assert.Equal((1000, 500), (gradientWidth, gradientHeight));
        }
        finally
        {
            File.Delete(path);
            File.Delete(gradients);
        }
    }

    [Fact]
    public void TheConfusionMatrixHeatMapShadesCellsByTheirShareOfTheActualClass()
    {
        var matrix = ConfusionMatrix.FromClasses([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1], 2, ["cat", "dog"]);
        string path = Path.Combine(Path.GetTempPath(), $"netgen-plot-{Environment.ProcessId}-confusion.png");
        try
        {
            TrainingPlots.SaveConfusionMatrix(matrix, "pets", path);
            var (width, _, rows) = DecodePng(File.ReadAllBytes(path));
            // Count the pixels of each shade: the full share (dog → dog) is the darkest blue, an empty cell (dog → cat) white.
            var colors = rows.SelectMany(row => Enumerable.Range(0, width).Select(x => (row[3 * x], row[3 * x + 1], row[3 * x + 2]))).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(colors.GetValueOrDefault(((byte)8, (byte)69, (byte)148)) > 1000, "no full-share cell");
            // cat → cat holds 3 of 4: √0.75 of the way from white to the full colour.
            byte red = (byte)Math.Round(255 + (8 - 255) * Math.Sqrt(0.75));
            Assert.True(colors.Keys.Any(c => c.Item1 == red), "no cell shaded for a share of 0.75");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
