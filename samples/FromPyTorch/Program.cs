using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using NetGen.Onnx;
using NetGen.Samples.FromPyTorch;

// Classifies handwritten digits with the PyTorch model compiled into the executable. A sample is an 8×8 digit of the UCI
// format, 64 pixel values 0..16 row by row, separated by commas or spaces: on the command line, or one per line on stdin.
//   FromPyTorch 0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0
//   zcat data/digits.csv.gz | cut -d, -f1-64 | FromPyTorch
//   FromPyTorch --check [digits.csv.gz] [digits.onnx]
// Each digit is enlarged to the model's 28×28 input exactly as train.py enlarged the training images; the program
// prints the digit and its probability per sample, and exits with 2 on a malformed sample. --check runs every labelled
// digit of the embedded UCI set through the compiled network and through the network OnnxImporter reads from the same
// file at run time, and exits with 1 unless the parameters are bitwise equal and the outputs agree.
const int Small = 8;
const int Large = 28;

if (args.Length == 1 && args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: FromPyTorch [64 pixel values 0..16, comma- or space-separated]   (no arguments: one sample per line on stdin)");
    Console.WriteLine("       FromPyTorch --check [digits.csv.gz] [digits.onnx]                  (compiled network against the run-time importer)");
    return 0;
}

var network = new DigitsFromTorch();
var stdout = Console.Out;

if (args.Length > 0 && args[0] == "--check")
{
    string dataPath = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz");
    string modelPath = args.Length > 2 ? args[2] : Path.Combine(AppContext.BaseDirectory, "digits.onnx");
    return Check(dataPath, modelPath);
}

Span<float> pixels = stackalloc float[Small * Small];
Span<float> image = stackalloc float[DigitsFromTorch.InputSize];
Span<float> probabilities = stackalloc float[DigitsFromTorch.OutputSize];

if (args.Length > 0)
{
    return Classify(string.Join(',', args), 1, pixels, image, probabilities) ? 0 : 2;
}

int line = 0;
int failures = 0;
using var stdin = new StreamReader(Console.OpenStandardInput());
while (stdin.ReadLine() is { } text)
{
    line++;
    if (text.AsSpan().Trim().Length > 0 && !Classify(text, line, pixels, image, probabilities))
    {
        failures++;
    }
}

return failures == 0 ? 0 : 2;

bool Classify(string text, int lineNumber, Span<float> small, Span<float> x, Span<float> y)
{
    if (!Parse(text, lineNumber, small, small.Length))
    {
        return false;
    }

    Enlarge(small, x);
    network.Forward(x, y);
    int digit = ArgMax(y);
    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{digit} {y[digit]:F4}"));
    return true;
}

// The compiled network and OnnxImporter's interpreted network over the same file, on every digit of the data set: the
// parameters must be bitwise equal (both come from the same reader), and the outputs within 1e-5 normwise relative
// (the two engines sum in different orders) with the same predicted digit.
int Check(string dataPath, string modelPath)
{
    var imported = OnnxImporter.Import(modelPath).CreateInterpreted<float>();
    int parameters = network.Parameters.Length;
    bool parametersEqual = network.Parameters.SequenceEqual(imported.Parameters);

    Span<float> small = stackalloc float[Small * Small + 1];
    Span<float> x = stackalloc float[DigitsFromTorch.InputSize];
    Span<float> compiledOutput = stackalloc float[DigitsFromTorch.OutputSize];
    Span<float> importedOutput = stackalloc float[DigitsFromTorch.OutputSize];
    int samples = 0;
    int correct = 0;
    int agreements = 0;
    double largestDifference = 0;
    using var reader = new StreamReader(new GZipStream(File.OpenRead(dataPath), CompressionMode.Decompress));
    while (reader.ReadLine() is { } row)
    {
        if (row.AsSpan().Trim().Length == 0)
        {
            continue;
        }

        if (!Parse(row, samples + 1, small, small.Length))
        {
            return 2;
        }

        Enlarge(small[..(Small * Small)], x);
        network.Forward(x, compiledOutput);
        imported.Forward(x, importedOutput);
        double difference = 0;
        double norm = 0;
        for (int k = 0; k < compiledOutput.Length; k++)
        {
            double d = (double)compiledOutput[k] - importedOutput[k];
            difference += d * d;
            norm += (double)importedOutput[k] * importedOutput[k];
        }

        largestDifference = Math.Max(largestDifference, Math.Sqrt(difference / norm));
        int digit = ArgMax(compiledOutput);
        agreements += digit == ArgMax(importedOutput) ? 1 : 0;
        correct += digit == (int)small[Small * Small] ? 1 : 0;
        samples++;
    }

    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{parameters} parameters compiled from {Path.GetFileName(modelPath)}; the importer's are {(parametersEqual ? "bitwise equal" : "DIFFERENT")}"));
    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{samples} digits: compiled network {correct} correct ({(double)correct / samples:P2}); same digit as the importer's network on {agreements}; largest normwise relative difference {largestDifference:E1}"));
    return parametersEqual && agreements == samples && largestDifference <= 1e-5 ? 0 : 1;
}

// The values of one line into small: exactly count numbers (64 pixels, or 64 pixels and the label).
static bool Parse(string text, int lineNumber, Span<float> small, int count)
{
    int read = 0;
    foreach (var range in text.AsSpan().SplitAny(", \t;"))
    {
        var field = text.AsSpan()[range].Trim();
        if (field.IsEmpty)
        {
            continue;
        }

        if (read == count || !float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float pixel) || !float.IsFinite(pixel))
        {
            Console.Error.WriteLine(read == count
                ? $"sample {lineNumber}: more than {count} values"
                : $"sample {lineNumber}: '{field}' is not a number");
            return false;
        }

        small[read++] = pixel;
    }

    if (read != count)
    {
        Console.Error.WriteLine($"sample {lineNumber}: {read} values; a sample has {count} (8×8 pixels, 0..16{(count > Small * Small ? ", then the label" : "")})");
        return false;
    }

    return true;
}

// Pixel (r, c) of the 28×28 image is pixel ((r + 2) / 4, (c + 2) / 4) of the 8×8 one, as in train.py; the model
// normalizes the raw 0..16 values itself.
static void Enlarge(ReadOnlySpan<float> small, Span<float> x)
{
    for (int r = 0; r < Large; r++)
    {
        for (int c = 0; c < Large; c++)
        {
            x[(r * Large) + c] = small[((r + 2) / 4 * Small) + ((c + 2) / 4)];
        }
    }
}

static int ArgMax(ReadOnlySpan<float> y)
{
    int best = 0;
    for (int k = 1; k < y.Length; k++)
    {
        best = y[k] > y[best] ? k : best;
    }

    return best;
}
