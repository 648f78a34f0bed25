using System;
using System.Globalization;
using System.IO;
using NetGen.Samples.DigitsAot;

// Classifies 8×8 handwritten digits with weights baked into the executable. A sample is 64 pixel values 0..16,
// row by row, separated by commas or spaces: on the command line, or one sample per line on standard input.
//   DigitsAot 0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0
//   zcat data/digits.csv.gz | cut -d, -f1-64 | DigitsAot
// prints the digit and its probability per sample; exit code 2 on a malformed sample.
const float PixelScale = 1f / 16f;

if (args.Length == 1 && args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: DigitsAot [64 pixel values 0..16, comma- or space-separated]   (no arguments: one sample per line on stdin)");
    return 0;
}

var network = new DigitsNet();
Span<float> input = stackalloc float[DigitsNet.InputSize];
Span<float> output = stackalloc float[DigitsNet.OutputSize];
var stdout = Console.Out;

if (args.Length > 0)
{
    return Classify(string.Join(',', args), 1, input, output) ? 0 : 2;
}

int line = 0;
int failures = 0;
using var stdin = new StreamReader(Console.OpenStandardInput());
while (stdin.ReadLine() is { } text)
{
    line++;
    if (text.AsSpan().Trim().Length > 0 && !Classify(text, line, input, output))
    {
        failures++;
    }
}

return failures == 0 ? 0 : 2;

bool Classify(string text, int lineNumber, Span<float> x, Span<float> y)
{
    int count = 0;
    foreach (var range in text.AsSpan().SplitAny(", \t;"))
    {
        var field = text.AsSpan()[range].Trim();
        if (field.IsEmpty)
        {
            continue;
        }

        if (count == x.Length || !float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float pixel) || !float.IsFinite(pixel))
        {
            Console.Error.WriteLine(count == x.Length
                ? $"sample {lineNumber}: more than {x.Length} values"
                : $"sample {lineNumber}: '{field}' is not a number");
            return false;
        }

        x[count++] = pixel * PixelScale;
    }

    if (count != x.Length)
    {
        Console.Error.WriteLine($"sample {lineNumber}: {count} values; a sample has {x.Length} (8×8 pixels, 0..16)");
        return false;
    }

    network.Forward(x, y);
    int digit = 0;
    for (int k = 1; k < y.Length; k++)
    {
        digit = y[k] > y[digit] ? k : digit;
    }

    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{digit} {y[digit]:F4}"));
    return true;
}
