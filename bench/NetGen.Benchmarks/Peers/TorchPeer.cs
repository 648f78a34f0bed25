using System;
using System.Linq;
using NetGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Peers;

/// <summary>
/// TorchSharp (libtorch, CPU) as a peer: loading it, pinning its thread count, and building the
/// <c>nn.Sequential</c> that mirrors a NetGen network with NetGen's weights copied in.
/// </summary>
internal static class TorchPeer
{
    private static readonly Lazy<string?> LoadFailure = new(TryLoad);

    /// <summary>Null when TorchSharp's native library loaded; otherwise why not.</summary>
    public static string? Failure => LoadFailure.Value;

    /// <summary>Loads libtorch and sets <paramref name="threads"/> intra-op and inter-op threads, or throws with the reason.</summary>
    public static void Require(int threads = 1)
    {
        if (Failure is { } failure)
        {
            throw new InvalidOperationException($"The TorchSharp peer is unavailable: {failure}");
        }

        torch.set_num_threads(threads);
        try
        {
            // Only settable before libtorch's first parallel work, which a fresh benchmark process has not done yet.
            torch.set_num_interop_threads(threads);
        }
        catch (Exception)
        {
            // Already fixed by an earlier call in this process.
        }
    }

    /// <summary>A one-line description of the loaded peer, or of the failure.</summary>
    public static string Describe() =>
        Failure is { } failure
            ? $"TorchSharp peer: NOT AVAILABLE ({failure}); its benchmarks fail their setup and show NA, everything else runs."
            : $"TorchSharp peer: loaded (TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}).";

    /// <summary>
    /// The Sequential mirroring <paramref name="network"/>: per dense layer a Linear with W and b copied from NetGen's
    /// parameters, then its activation, the output activation only when <paramref name="includeOutputActivation"/>
    /// (training uses losses on logits: CrossEntropyLoss, BCEWithLogitsLoss).
    /// </summary>
    public static Sequential Build(INetwork<float> network, bool includeOutputActivation)
    {
        var spec = network.Spec;
        var model = nn.Sequential();
        using (torch.no_grad())
        {
            for (int l = 0; l < spec.Layers.Count; l++)
            {
                var layout = spec.GetLayout(l);
                var linear = nn.Linear(layout.InputSize, layout.OutputSize);
                var weights = network.Parameters.Slice(layout.WeightsOffset, layout.WeightCount).ToArray();
                var biases = network.Parameters.Slice(layout.BiasesOffset, layout.OutputSize).ToArray();
                using (var w = torch.tensor(weights, [layout.OutputSize, layout.InputSize]))
                using (var b = torch.tensor(biases, [layout.OutputSize]))
                {
                    linear.weight!.copy_(w);
                    linear.bias!.copy_(b);
                }

                model.append($"linear{l + 1}", linear);
                bool last = l == spec.Layers.Count - 1;
                if (last && !includeOutputActivation)
                {
                    continue;
                }

                switch (spec.Layers[l].Activation)
                {
                    case Activation.Identity:
                        break;
                    case Activation.Tanh:
                        model.append($"tanh{l + 1}", nn.Tanh());
                        break;
                    case Activation.Sigmoid:
                        model.append($"sigmoid{l + 1}", nn.Sigmoid());
                        break;
                    case Activation.ReLU:
                        model.append($"relu{l + 1}", nn.ReLU());
                        break;
                    case Activation.Softmax:
                        model.append($"softmax{l + 1}", nn.Softmax(1));
                        break;
                    default:
                        throw new NotSupportedException($"No TorchSharp mirror for {spec.Layers[l].Activation}.");
                }
            }
        }

        return model;
    }

    /// <summary>Copies the Linear layers' weights of <paramref name="model"/> back into NetGen's layout.</summary>
    public static float[] ReadParameters(Sequential model, NetworkSpec spec)
    {
        var parameters = new float[spec.ParameterCount];
        var linears = model.children().OfType<Linear>().ToArray();
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            linears[l].weight!.data<float>().CopyTo(parameters.AsSpan(layout.WeightsOffset, layout.WeightCount), 0, 0);
            linears[l].bias!.data<float>().CopyTo(parameters.AsSpan(layout.BiasesOffset, layout.OutputSize), 0, 0);
        }

        return parameters;
    }

    private static string? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.ones(2, 2);
            return probe.sum().item<float>() == 4f ? null : "a 2×2 tensor of ones does not sum to 4";
        }
        catch (Exception exception)
        {
            string message = exception.Message;
            int newline = message.IndexOf('\n', StringComparison.Ordinal);
            return $"{exception.GetType().Name}: {(newline > 0 ? message[..newline] : message)}";
        }
    }
}
