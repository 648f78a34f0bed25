using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CsCheck;
using Google.Protobuf;
using NetGen.Onnx.Proto;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// The ONNX reader and recognizer never crash and never allocate more than <see cref="AllocationFactor"/> times the
/// model's size plus <see cref="AllocationAllowance"/>: every prefix of real models, random byte changes, hostile
/// lengths written over real models, random edits of their graphs, and models made of nothing but empty repeated fields.
/// The only exception that may come out is <see cref="OnnxImportException"/>. <c>NETGEN_FUZZ_SCALE</c> (an integer,
/// default 1) multiplies the number of random cases; case i of a test always comes from the same seed, so a run is
/// reproducible, and a larger scale checks the default cases and more.
/// </summary>
public sealed class OnnxReaderFuzzTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allocation per byte of model, at most. Reached only by models made of empty repeated fields, where every two bytes
    /// make one node or attribute object; a real model allocates its parameters as doubles (two bytes per FLOAT byte)
    /// plus the decoded constants.
    /// </summary>
    public const int AllocationFactor = 64;

    /// <summary>Allocation independent of the model's size: lookup tables, messages and the exception's stack trace.</summary>
    public const int AllocationAllowance = 256 * 1024;

    private static readonly byte[][] Models = OnnxDamage.BaseModels.Select(name => File.ReadAllBytes(Corpus.Get(name).Path)).ToArray();

    private const int Iterations = 3000;

    private double _worstRatio;
    private long _worstAllocation;

    [Fact]
    public void EveryCorpusModelImportsWithinTheAllocationBound()
    {
        foreach (var model in Corpus.All.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(model.Path);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.True(ImportWithoutCrash(bytes));
            output.WriteLine($"{model.Name}: {bytes.Length} bytes, {GC.GetAllocatedBytesForCurrentThread() - before} allocated");
        }

        Report();
    }

    [Fact]
    public void EveryPrefixOfARealModelIsRefusedWithoutACrash()
    {
        int refused = 0;
        foreach (var model in Models.Take(4))
        {
            for (int length = 0; length < model.Length; length++)
            {
                refused += ImportWithoutCrash(model[..length]) ? 0 : 1;
            }
        }

        // A prefix can only be whole if the cut falls between top-level fields and the rest was optional; these models
        // end in their opset import, so every prefix lacks something.
        Assert.Equal(Models.Take(4).Sum(m => m.Length), refused);
        Report();
    }

    [Fact]
    public void RandomByteChangesNeverCrashTheReader()
    {
        Fuzz(
            OnnxDamage.ByteChanges(Models.Length),
            sample => ImportWithoutCrash(OnnxDamage.WithChanges(Models[sample.Model], sample.Changes)),
            stream: 1);
        Report();
    }

    [Fact]
    public void HostileLengthsWrittenIntoARealModelNeverCrashTheReader()
    {
        Fuzz(
            OnnxDamage.HostileLength(Models.Length),
            sample => ImportWithoutCrash(OnnxDamage.WithHostileLength(Models[sample.Model], sample.Position, sample.Length, sample.Insert)),
            stream: 2);
        Report();
    }

    [Fact]
    public void RandomEditsOfAGraphNeverCrashTheRecognizer()
    {
        string[] operators = ["Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Neg", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Softplus", "Gelu", "Erf", "Softmax", "LogSoftmax", "Identity", "Dropout", "Flatten", "Reshape", "Constant", "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Where", "Greater", "Exp", "BatchNormalization", "Conv"];
        long[] dims = [-1, 0, 1, 2, 3, 4, 7, 64, 1 << 20, (1 << 20) + 1, int.MaxValue, long.MaxValue];
        var edit = Gen.Select(Gen.Int[0, 8], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]);
        var gen = Gen.Select(Gen.Int[0, Models.Length - 1], edit.Array[1, 4]);
        Fuzz(
            gen,
            sample =>
            {
                var (index, edits) = sample;
                var model = ModelProto.Parser.ParseFrom(Models[index]);
                var graph = model.Graph;
                var values = graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(t => t.Name)).Append("input").Append(string.Empty).ToArray();
                foreach (var (kind, a, b, c) in edits)
                {
                    var node = graph.Node[a % graph.Node.Count];
                    switch (kind)
                    {
                        case 0:
                            node.OpType = operators[b % operators.Length];
                            break;
                        case 1 when node.Input.Count > 0:
                            node.Input[b % node.Input.Count] = values[c % values.Length];
                            break;
                        case 2 when graph.Initializer.Count > 0 && graph.Initializer[b % graph.Initializer.Count].Dims.Count > 0:
                            var tensor = graph.Initializer[b % graph.Initializer.Count];
                            tensor.Dims[c % tensor.Dims.Count] = dims[a % dims.Length];
                            break;
                        case 3 when graph.Initializer.Count > 0:
                            graph.Initializer.RemoveAt(b % graph.Initializer.Count);
                            break;
                        case 4:
                            var other = graph.Node[b % graph.Node.Count];
                            int i = graph.Node.IndexOf(node), j = graph.Node.IndexOf(other);
                            (graph.Node[i], graph.Node[j]) = (other, node);
                            break;
                        case 5:
                            node.Attribute.Add(new AttributeProto { Name = new[] { "axis", "alpha", "transA", "transB", "to", "epsilon", "allowzero", "training_mode", "approximate" }[b % 9], I = dims[c % dims.Length] - 1, F = c % 7, Type = AttributeProto.Types.AttributeType.Int });
                            break;
                        case 6 when node.Output.Count > 0:
                            node.Output[0] = values[c % values.Length];
                            break;
                        case 7:
                            graph.Node.Add(new NodeProto { OpType = operators[b % operators.Length], Input = { values[c % values.Length], values[a % values.Length] }, Output = { "extra" + (c % 3) } });
                            break;
                        default:
                            model.OpsetImport[0].Version = 8 + (b % 15);
                            break;
                    }
                }

                ImportWithoutCrash(model.ToByteArray());
            },
            stream: 3);
        Report();
    }

    [Theory]
    [InlineData(0x08, 1)]  // ir_version given 100,000 times (the last one counts)
    [InlineData(0x42, 0)]  // opset_import, empty
    [InlineData(0x72, 0)]  // metadata_props, empty
    public void ModelsMadeOfRepeatedTopLevelFieldsStayWithinTheAllocationBound(byte tag, byte payload)
    {
        int count = tag == 0x08 ? 100_000 : OnnxImportLimits.MaxModelEntries;
        var bytes = new List<byte>();
        for (int i = 0; i < count; i++)
        {
            bytes.Add(tag);
            bytes.Add(payload);
        }

        Assert.False(ImportWithoutCrash([.. bytes]));
        Report();
    }

    [Theory]
    [InlineData(1)]  // nodes
    [InlineData(5)]  // initializers
    [InlineData(11)] // inputs
    [InlineData(12)] // outputs
    public void AGraphMadeOfEmptyRepeatedFieldsStaysWithinTheAllocationBound(int field)
    {
        // A graph of 99,999 empty messages of one kind, two bytes each: the most objects per byte a model can make.
        var graph = new List<byte>();
        for (int i = 0; i < 99_999; i++)
        {
            graph.Add((byte)((field << 3) | 2));
            graph.Add(0);
        }

        Assert.False(ImportWithoutCrash([0x3A, .. OnnxDamage.Varint((ulong)graph.Count), .. graph]));
        Report();
    }

    [Fact]
    public void ANodeMadeOfEmptyAttributesAndInputsStaysWithinTheAllocationBound()
    {
        var node = new List<byte>();
        for (int i = 0; i < 999; i++)
        {
            node.AddRange([0x2A, 0x00, 0x0A, 0x00, 0x12, 0x01, (byte)'a']);
        }

        var nodeField = new List<byte> { 0x0A };
        nodeField.AddRange(OnnxDamage.Varint((ulong)node.Count));
        nodeField.AddRange(node);
        var graph = new List<byte>();
        for (int i = 0; i < 40; i++)
        {
            graph.AddRange(nodeField);
        }

        Assert.False(ImportWithoutCrash([0x3A, .. OnnxDamage.Varint((ulong)graph.Count), .. graph]));
        Report();
    }

    // Runs Iterations × NETGEN_FUZZ_SCALE cases of gen, case i from the fixed seed (stream, i).
    private static void Fuzz<T>(Gen<T> gen, Action<T> check, uint stream) => OnnxDamage.Fuzz(gen, check, stream, Iterations * OnnxDamage.Scale);

    private void Report() =>
        output.WriteLine($"most allocated {_worstAllocation} bytes; most per model byte {_worstRatio:F1}");

    // Imports the bytes, requiring success or an OnnxImportException and the allocation bound; true when imported.
    private bool ImportWithoutCrash(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool imported;
        try
        {
            OnnxImporter.Import(bytes);
            imported = true;
        }
        catch (OnnxImportException)
        {
            imported = false;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _worstRatio = Math.Max(_worstRatio, (double)allocated / Math.Max(1, bytes.Length));
        _worstAllocation = Math.Max(_worstAllocation, allocated);
        Assert.True(
            allocated <= ((long)AllocationFactor * bytes.Length) + AllocationAllowance,
            $"Importing {bytes.Length} bytes allocated {allocated} bytes, more than {AllocationFactor} × {bytes.Length} + {AllocationAllowance}: {Convert.ToBase64String(bytes.Length <= 4096 ? bytes : bytes[..4096])}");
        return imported;
    }
}
