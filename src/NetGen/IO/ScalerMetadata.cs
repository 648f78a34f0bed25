using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics;
using System.Text;
using System.Text.Json;
using NetGen.Data;

namespace NetGen.IO;

/// <summary>
/// Writes and reads a fitted feature scaler as the <see cref="WeightsFile.ScalerMetadataKey"/> entry of a safetensors
/// header: one JSON object, <c>{"kind":"standardizer","mean":[…],"std":[…]}</c> or
/// <c>{"kind":"min-max","min":[…],"max":[…]}</c>, one number per input feature, each the exact value as the shortest
/// text that reads back to the same double.
/// </summary>
internal static class ScalerMetadata
{
    public const string StandardizerKind = "standardizer";
    public const string MinMaxKind = "min-max";

    public static string Write<T>(IFeatureScaler<T> scaler)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (scaler)
            {
                case Standardizer<T> standardizer:
                    json.WriteString("kind", StandardizerKind);
                    WriteArray(json, "mean", standardizer.Means);
                    WriteArray(json, "std", standardizer.StandardDeviations);
                    break;
                case MinMaxScaler<T> minMax:
                    json.WriteString("kind", MinMaxKind);
                    WriteArray(json, "min", minMax.Minimums);
                    WriteArray(json, "max", minMax.Maximums);
                    break;
                default:
                    throw new ArgumentException(
                        $"A {scaler.GetType().Name} cannot be stored in a weights file; Standardizer<T> and MinMaxScaler<T> can.", nameof(scaler));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses and checks the entry for a network of <paramref name="featureCount"/> inputs.</summary>
    /// <exception cref="WeightsFileException">The entry is malformed or does not fit; the message says how.</exception>
    public static IFeatureScaler<T> Read<T>(string text, int featureCount, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string? kind = null;
        var arrays = new Dictionary<string, T[]>(StringComparer.Ordinal);
        var json = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 4 });
        try
        {
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                throw Error("it must be a JSON object");
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                string key = json.GetString()!;
                if (key == "kind" ? kind is not null : arrays.ContainsKey(key))
                {
                    throw Error($"it has the key '{key}' more than once");
                }

                json.Read();
                switch (key)
                {
                    case "kind":
                        kind = json.TokenType == JsonTokenType.String ? json.GetString()! : throw Error("'kind' must be a string");
                        break;
                    case "mean" or "std" or "min" or "max":
                        arrays[key] = ReadNumbers<T>(ref json, key, featureCount, path);
                        break;
                    default:
                        throw Error($"unexpected key '{Shorten(key)}'; a scaler has 'kind' and two arrays");
                }
            }

            // Only the end of the object may follow.
            if (json.Read())
            {
                throw Error("text follows the object");
            }
        }
        catch (JsonException e)
        {
            throw new WeightsFileException($"metadata '{WeightsFile.ScalerMetadataKey}' is not valid JSON: {e.Message}", path, innerException: e);
        }

        (string first, string second) = kind switch
        {
            StandardizerKind => ("mean", "std"),
            MinMaxKind => ("min", "max"),
            null => throw Error("it has no 'kind'"),
            _ => throw Error($"unknown kind '{Shorten(kind)}'; '{StandardizerKind}' and '{MinMaxKind}' are known"),
        };
        if (!arrays.TryGetValue(first, out var a) || !arrays.TryGetValue(second, out var b) || arrays.Count != 2)
        {
            throw Error($"a '{kind}' scaler has exactly the arrays '{first}' and '{second}'");
        }

        try
        {
            return kind == StandardizerKind ? Standardizer<T>.FromStatistics(a, b) : MinMaxScaler<T>.FromRange(a, b);
        }
        catch (ArgumentException e)
        {
            throw new WeightsFileException($"metadata '{WeightsFile.ScalerMetadataKey}': {e.Message}", path, innerException: e);
        }

        WeightsFileException Error(string problem) => new($"metadata '{WeightsFile.ScalerMetadataKey}': {problem}", path);
    }

    private static void WriteArray<T>(Utf8JsonWriter json, string name, ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        json.WriteStartArray(name);
        foreach (T value in values)
        {
            // Widening to double is exact for float and Half, and Utf8JsonWriter writes the shortest round-trip form.
            json.WriteNumberValue(double.CreateChecked(value));
        }

        json.WriteEndArray();
    }

    // Allocates one array of the network's input size and refuses to read past it, so a hostile entry costs no more.
    private static T[] ReadNumbers<T>(ref Utf8JsonReader json, string key, int featureCount, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string where = $"metadata '{WeightsFile.ScalerMetadataKey}', array '{key}'";
        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw new WeightsFileException($"{where} must be an array of numbers", path);
        }

        var values = new T[featureCount];
        int count = 0;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            if (json.TokenType != JsonTokenType.Number || !json.TryGetDouble(out double value))
            {
                throw new WeightsFileException($"{where}: element {count} is not a number", path);
            }

            if (count == featureCount)
            {
                throw new WeightsFileException($"{where} has more than {featureCount} numbers, but the network has {featureCount} inputs", path);
            }

            T converted = T.CreateTruncating(value);
            if (!double.IsFinite(value) || !T.IsFinite(converted))
            {
                throw new WeightsFileException($"{where}: element {count} is {value}, not a finite {typeof(T).Name}", path);
            }

            values[count++] = converted;
        }

        if (count != featureCount)
        {
            throw new WeightsFileException($"{where} has {count} numbers, but the network has {featureCount} inputs", path);
        }

        return values;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
