using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics.Tensors;
using NetGen.Benchmarks.Peers;
using NetGen.Data;
using NetGen.Numerics;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// `--accuracy`: "the same accuracy after the same epochs". Trains 784-128-10 (ReLU, softmax cross-entropy) on
/// Fashion-MNIST with plain mini-batch SGD in NetGen (generated; one thread, then two with DataParallelNetwork) and in
/// TorchSharp (one thread): same initial weights (NetGen's Xavier-uniform draw, copied into the torch Linear layers), same
/// learning rate, batch size and epochs, and the same sample order (one seeded shuffle per epoch, shared). Prints each
/// run's test accuracy, last-epoch training loss and training throughput (samples/s over the training loop alone, batch
/// gathering included, evaluation excluded).
/// </summary>
internal static class AccuracyComparison
{
    private const string DefaultData = "/usr/share/datasets/fashion-mnist";

    public static int Run(string[] args)
    {
        string data = DefaultData;
        int epochs = 2;
        int batch = 32;
        float learningRate = 0.1f;
        ulong seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--accuracy":
                    break;
                case "--data":
                    data = Value();
                    break;
                case "--epochs":
                    epochs = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--batch-size":
                    batch = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--learning-rate":
                    learningRate = float.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--seed":
                    seed = ulong.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}. --accuracy takes --data DIR, --epochs N, --batch-size N, --learning-rate X, --seed N.");
                    return 2;
            }
        }

        if (!File.Exists(Path.Combine(data, "train-images-idx3-ubyte.gz")))
        {
            Console.Error.WriteLine($"Fashion-MNIST not found in {data}: apt-get install dataset-fashion-mnist, or pass --data DIR.");
            return 1;
        }

        var train = IdxLoader.LoadImagesAndLabels<float>(Path.Combine(data, "train-images-idx3-ubyte.gz"), Path.Combine(data, "train-labels-idx1-ubyte.gz"), classCount: 10);
        var test = IdxLoader.LoadImagesAndLabels<float>(Path.Combine(data, "t10k-images-idx3-ubyte.gz"), Path.Combine(data, "t10k-labels-idx1-ubyte.gz"), classCount: 10);
        var orders = new int[epochs][];
        var shuffle = new SeededRandom(seed + 1000);
        for (int e = 0; e < epochs; e++)
        {
            orders[e] = new int[train.Count];
            for (int i = 0; i < train.Count; i++)
            {
                orders[e][i] = i;
            }

            for (int i = train.Count - 1; i > 0; i--)
            {
                int j = shuffle.NextInt32(i + 1);
                (orders[e][i], orders[e][j]) = (orders[e][j], orders[e][i]);
            }
        }

        var network = new Mnist78412810();
        network.InitializeParameters(seed);
        float[] initial = network.Parameters.ToArray();

        Console.WriteLine($"Fashion-MNIST ({train.Count} training, {test.Count} test images), {Mnist78412810.Spec.DescribeArchitecture()}");
        Console.WriteLine($"plain SGD, learning rate {learningRate}, batch {batch}, {epochs} epoch(s); every run starts from the same weights (Xavier uniform, seed {seed}) and sees the samples in the same order");
        Console.WriteLine(TorchPeer.Describe());
        Console.WriteLine();
        Console.WriteLine("| run | test accuracy | last-epoch training loss | training samples/s | training time |");
        Console.WriteLine("|---|---:|---:|---:|---:|");

        var netgen = TrainNetGen(network, threads: 1, train, test, orders, batch, learningRate, initial);
        Print("NetGen generated, 1 thread", netgen);
        float[] netgenWeights = network.Parameters.ToArray();
        var parallel = TrainNetGen(network, threads: 2, train, test, orders, batch, learningRate, initial);
        Print("NetGen generated, 2 threads (DataParallelNetwork)", parallel);
        if (TorchPeer.Failure is null)
        {
            network.Parameters.Clear();
            initial.CopyTo(network.Parameters);
            var (torchRun, torchWeights) = TrainTorch(network, train, test, orders, batch, learningRate);
            Print("TorchSharp, 1 thread", torchRun);
            Console.WriteLine();
            Console.WriteLine($"Test accuracy, NetGen − TorchSharp: {netgen.Accuracy - torchRun.Accuracy:+0.0000;-0.0000;0.0000}; "
                + $"samples/s, NetGen / TorchSharp: {netgen.SamplesPerSecond / torchRun.SamplesPerSecond:F2}×; "
                + $"largest |w_NetGen − w_TorchSharp| after training: {Fixtures.MaxAbsDifference(netgenWeights, torchWeights):G3}");
        }
        else
        {
            Console.WriteLine();
            Console.WriteLine("TorchSharp run skipped: the peer did not load (see above).");
        }

        return 0;
    }

    private static void Print(string name, RunResult run) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {run.Accuracy:F4} | {run.LastEpochLoss:F4} | {run.SamplesPerSecond:N0} | {run.Seconds:F2} s |"));

    private static RunResult TrainNetGen(Mnist78412810 network, int threads, Dataset<float> train, Dataset<float> test, int[][] orders, int batch, float learningRate, float[] initial)
    {
        initial.CopyTo(network.Parameters);
        using var parallel = threads > 1 ? new DataParallelNetwork<float>(network, threads) : null;
        ITrainableNetwork<float> trained = parallel is null ? network : parallel;
        var workspace = trained.CreateWorkspace(batch);
        var inputs = new float[batch * Mnist78412810.InputSize];
        var targets = new float[batch * Mnist78412810.OutputSize];
        var gradient = new float[Mnist78412810.ParameterCount];
        var sgdSlices = new SgdSliceStep(network, learningRate);
        double lossSum = 0;
        var stopwatch = Stopwatch.StartNew();
        foreach (int[] order in orders)
        {
            lossSum = 0;
            for (int start = 0; start < order.Length; start += batch)
            {
                int count = Math.Min(batch, order.Length - start);
                for (int i = 0; i < count; i++)
                {
                    train.GetFeatures(order[start + i]).CopyTo(inputs.AsSpan(i * Mnist78412810.InputSize));
                    train.GetTargets(order[start + i]).CopyTo(targets.AsSpan(i * Mnist78412810.OutputSize));
                }

                var batchInputs = inputs.AsSpan(0, count * Mnist78412810.InputSize);
                var batchTargets = targets.AsSpan(0, count * Mnist78412810.OutputSize);
                float loss;
                if (parallel is null)
                {
                    loss = network.ComputeLossAndGradient(batchInputs, batchTargets, gradient, workspace);
                    SpanMath.MultiplyAdd(gradient, -learningRate, network.Parameters);
                }
                else
                {
                    // Each thread updates its slice of the parameters inside the pass (same arithmetic, same result).
                    loss = parallel.ComputeLossAndGradient(batchInputs, batchTargets, gradient, workspace, sgdSlices);
                }

                lossSum += (double)loss * count;
            }
        }

        double seconds = stopwatch.Elapsed.TotalSeconds;
        var output = new float[Mnist78412810.OutputSize];
        int correct = 0;
        for (int s = 0; s < test.Count; s++)
        {
            network.Forward(test.GetFeatures(s), output);
            correct += TensorPrimitives.IndexOfMax(output) == test.Labels[s] ? 1 : 0;
        }

        return new RunResult((double)correct / test.Count, lossSum / train.Count, (double)orders.Length * train.Count / seconds, seconds);
    }

    private static (RunResult Run, float[] Weights) TrainTorch(Mnist78412810 network, Dataset<float> train, Dataset<float> test, int[][] orders, int batch, float learningRate)
    {
        TorchPeer.Require(threads: 1);
        using var model = TorchPeer.Build(network, includeOutputActivation: false);
        using var lossFunction = nn.CrossEntropyLoss();
        using var optimizer = optim.SGD(model.parameters(), learningRate);
        model.train();
        var inputs = new float[batch * Mnist78412810.InputSize];
        var labels = new long[batch];
        int remainder = train.Count % batch;
        var lastInputs = new float[remainder * Mnist78412810.InputSize];
        var lastLabels = new long[remainder];
        double lossSum = 0;
        var stopwatch = Stopwatch.StartNew();
        foreach (int[] order in orders)
        {
            lossSum = 0;
            for (int start = 0; start < order.Length; start += batch)
            {
                int count = Math.Min(batch, order.Length - start);
                var x = count == batch ? inputs : lastInputs;
                var y = count == batch ? labels : lastLabels;
                for (int i = 0; i < count; i++)
                {
                    train.GetFeatures(order[start + i]).CopyTo(x.AsSpan(i * Mnist78412810.InputSize));
                    y[i] = train.Labels[order[start + i]];
                }

                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var logits = model.forward(tensor(x, [count, Mnist78412810.InputSize]));
                var loss = lossFunction.forward(logits, tensor(y, [count]));
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * (double)count;
            }
        }

        double seconds = stopwatch.Elapsed.TotalSeconds;
        int correct;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            model.eval();
            var features = test.Features.ToArray();
            var predicted = model.forward(tensor(features, [test.Count, Mnist78412810.InputSize])).argmax(1).data<long>().ToArray();
            correct = 0;
            for (int s = 0; s < test.Count; s++)
            {
                correct += predicted[s] == test.Labels[s] ? 1 : 0;
            }
        }

        var result = new RunResult((double)correct / test.Count, lossSum / train.Count, (double)orders.Length * train.Count / seconds, seconds);
        return (result, TorchPeer.ReadParameters(model, Mnist78412810.Spec));
    }

    private readonly record struct RunResult(double Accuracy, double LastEpochLoss, double SamplesPerSecond, double Seconds);
}
