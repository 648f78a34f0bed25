using System;
using System.Linq;
using NetGen.IO;
using NetGen.Tests.Networks;
using Xunit;
using static NetGen.DataIO.Tests.Bytes;

namespace NetGen.DataIO.Tests;

/// <summary>PyTorch weights into a generated network: a state_dict saved with safetensors loads and computes as PyTorch would.</summary>
public sealed class GeneratedWeightsFileTests : IDisposable
{
    // nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)): Linear modules 0 and 2; weight [out, in], bias [out].
    private static readonly float[] W1 = [0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f];
    private static readonly float[] B1 = [0.125f, -0.25f, 0.375f];
    private static readonly float[] W2 = [1f, -2f, 0.5f];
    private static readonly float[] B2 = [0.0625f];

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("F32")]
    [InlineData("F64")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void APyTorchStateDictLoadsIntoAGeneratedNetwork(string dtype)
    {
        string path = _folder.Write("torch.safetensors", PyTorchFile(dtype, W1, B1, W2, B2));
        var network = new TorchSmallNet();

        WeightsFile.Load(network, path);

        Assert.Equal([.. W1, .. B1, .. W2, .. B2], network.Parameters.ToArray());
        var output = new float[1];
        foreach (float[] x in new[] { new[] { 1f, 2f }, [-0.5f, 0.25f], [3f, -1f], [0f, 0f] })
        {
            network.Forward(x, output);
            Assert.Equal(ByHand(x), output[0], 1e-6);
        }

        network.Forward([1f, 2f], output);
        Assert.Equal(-1.625f, output[0]);
    }

    // y = W2 · ReLU(W1 x + b1) + b2, written out independently of both engines.
    private static double ByHand(float[] x)
    {
        double y = B2[0];
        for (int j = 0; j < 3; j++)
        {
            y += W2[j] * Math.Max(0.0, B1[j] + (W1[2 * j] * x[0]) + (W1[(2 * j) + 1] * x[1]));
        }

        return y;
    }
}
