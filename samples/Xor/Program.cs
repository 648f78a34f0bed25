using System;
using System.Globalization;
using NetGen;
using NetGen.Samples.Xor;

// Fits XOR with plain full-batch gradient descent, w ← w − η ∇C, over the generated batch gradient.
const int Epochs = 2000;
const float LearningRate = 0.5f;
ulong seed = args.Length > 0 && ulong.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 1;

float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];

var network = new XorNet();
network.InitializeParameters(seed);
var workspace = network.CreateWorkspace(batchCapacity: 4);
var gradient = new float[XorNet.ParameterCount];

float loss = float.NaN;
for (int epoch = 1; epoch <= Epochs; epoch++)
{
    loss = network.ComputeLossAndGradient(inputs, targets, gradient, workspace);
    var parameters = network.Parameters;
    for (int i = 0; i < parameters.Length; i++)
    {
        parameters[i] -= LearningRate * gradient[i];
    }

    if (epoch == 1 || epoch % 400 == 0)
    {
        Console.WriteLine(FormattableString.Invariant($"epoch {epoch,5}  cross-entropy {loss:F6}"));
    }
}

Console.WriteLine();
Console.WriteLine("x1 x2 | XOR | network");
Console.WriteLine("------+-----+--------");
var output = new float[1];
int correct = 0;
for (int row = 0; row < 4; row++)
{
    network.Forward(inputs.AsSpan(row * 2, 2), output);
    bool predicted = output[0] >= 0.5f;
    correct += predicted == (targets[row] == 1) ? 1 : 0;
    Console.WriteLine(FormattableString.Invariant($" {inputs[row * 2]}  {inputs[row * 2 + 1]} |  {targets[row]}  | {output[0]:F4}"));
}

Console.WriteLine();
Console.WriteLine(FormattableString.Invariant($"{correct}/4 correct after {Epochs} epochs (seed {seed}, final loss {loss:F6})."));
return correct == 4 ? 0 : 1;
