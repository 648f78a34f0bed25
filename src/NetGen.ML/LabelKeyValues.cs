using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.ML;

/// <summary>
/// The values a multiclass label's keys stand for (the <c>KeyValues</c> annotation <c>MapValueToKey</c> puts on the label
/// column: the digits 0–9, the species names, …), carried from the training label to the <c>PredictedLabel</c> and
/// <c>Score</c> columns as ML.NET's own multiclass trainers carry them, so <c>MapKeyToValue</c> turns a predicted key back
/// into its value, and saved with the model.
/// </summary>
internal abstract class LabelKeyValues
{
    /// <summary>The annotation kind ML.NET gives a key column's values.</summary>
    public const string KeyValuesKind = "KeyValues";

    // Item types a model file can hold, by the code written for them. Fixed: codes are part of the file format.
    private static readonly Dictionary<Type, LabelKeyValuesCodec> Codecs = new()
    {
        [typeof(ReadOnlyMemory<char>)] = new Codec<ReadOnlyMemory<char>>(1, TextDataViewType.Instance, (w, v) => w.Write(v.ToString()), r => ModelStrings.Read(r, "label value").AsMemory()),
        [typeof(float)] = new Codec<float>(2, NumberDataViewType.Single, (w, v) => w.Write(v), r => r.ReadSingle()),
        [typeof(double)] = new Codec<double>(3, NumberDataViewType.Double, (w, v) => w.Write(v), r => r.ReadDouble()),
        [typeof(sbyte)] = new Codec<sbyte>(4, NumberDataViewType.SByte, (w, v) => w.Write(v), r => r.ReadSByte()),
        [typeof(byte)] = new Codec<byte>(5, NumberDataViewType.Byte, (w, v) => w.Write(v), r => r.ReadByte()),
        [typeof(short)] = new Codec<short>(6, NumberDataViewType.Int16, (w, v) => w.Write(v), r => r.ReadInt16()),
        [typeof(ushort)] = new Codec<ushort>(7, NumberDataViewType.UInt16, (w, v) => w.Write(v), r => r.ReadUInt16()),
        [typeof(int)] = new Codec<int>(8, NumberDataViewType.Int32, (w, v) => w.Write(v), r => r.ReadInt32()),
        [typeof(uint)] = new Codec<uint>(9, NumberDataViewType.UInt32, (w, v) => w.Write(v), r => r.ReadUInt32()),
        [typeof(long)] = new Codec<long>(10, NumberDataViewType.Int64, (w, v) => w.Write(v), r => r.ReadInt64()),
        [typeof(ulong)] = new Codec<ulong>(11, NumberDataViewType.UInt64, (w, v) => w.Write(v), r => r.ReadUInt64()),
        [typeof(bool)] = new Codec<bool>(12, BooleanDataViewType.Instance, (w, v) => w.Write(v), r => r.ReadBoolean()),
    };

    /// <summary>The annotation's type: a vector of one value per class.</summary>
    public abstract VectorDataViewType Type { get; }

    /// <summary>Whether the values are text, which ML.NET also gives the class scores as their slot names.</summary>
    public bool IsText => Type.ItemType is TextDataViewType;

    /// <summary>Adds the values to <paramref name="builder"/> under <paramref name="kind"/>.</summary>
    public abstract void AddTo(DataViewSchema.Annotations.Builder builder, string kind);

    /// <summary>Writes the item type's code and the values.</summary>
    public abstract void Write(BinaryWriter writer);

    /// <summary>The key values of a label column with <paramref name="classCount"/> keys, or null when it has none.</summary>
    /// <exception cref="NotSupportedException">The values are of a type no model file can hold (dates, times, …).</exception>
    public static LabelKeyValues? FromLabel(DataViewSchema.Column label, int classCount)
    {
        var annotation = label.Annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (annotation is not { Type: VectorDataViewType { Size: var size } type } || size != classCount)
        {
            return null;
        }

        if (!Codecs.TryGetValue(type.ItemType.RawType, out var codec))
        {
            throw new NotSupportedException(
                $"The label column '{label.Name}' maps its keys to values of type {type.ItemType}, which a NetGen model cannot save; "
                + "map text, numbers or Booleans to keys instead.");
        }

        return codec.FromAnnotations(label.Annotations, classCount);
    }

    /// <summary>
    /// Stand-in values of <paramref name="itemType"/> for an estimator's output shape, which describes the annotation's
    /// type before there are values; null for a type no model file can hold.
    /// </summary>
    public static LabelKeyValues? ForShape(DataViewType itemType, int classCount) =>
        Codecs.TryGetValue(itemType.RawType, out var codec) ? codec.Placeholder(classCount) : null;

    /// <summary>Reads what <see cref="Write"/> wrote: the item type's code, then <paramref name="classCount"/> values.</summary>
    /// <exception cref="FormatException">The code names no item type.</exception>
    public static LabelKeyValues Read(BinaryReader reader, int classCount)
    {
        byte code = reader.ReadByte();
        foreach (var codec in Codecs.Values)
        {
            if (codec.Code == code)
            {
                return codec.Read(reader, classCount);
            }
        }

        throw new FormatException($"The model's label values are of an unknown type (code {code}).");
    }

    private abstract class LabelKeyValuesCodec(byte code)
    {
        public byte Code { get; } = code;

        public abstract LabelKeyValues FromAnnotations(DataViewSchema.Annotations annotations, int classCount);

        public abstract LabelKeyValues Read(BinaryReader reader, int classCount);

        public abstract LabelKeyValues Placeholder(int classCount);
    }

    private sealed class Codec<T>(byte code, PrimitiveDataViewType itemType, Action<BinaryWriter, T> write, Func<BinaryReader, T> read)
        : LabelKeyValuesCodec(code)
    {
        public override LabelKeyValues FromAnnotations(DataViewSchema.Annotations annotations, int classCount)
        {
            var values = default(VBuffer<T>);
            annotations.GetValue(KeyValuesKind, ref values);
            return new Values<T>(this, itemType, values.DenseValues(), classCount);
        }

        public override LabelKeyValues Read(BinaryReader reader, int classCount)
        {
            var values = new T[classCount];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = read(reader);
            }

            return new Values<T>(this, itemType, values, classCount);
        }

        public override LabelKeyValues Placeholder(int classCount) => new Values<T>(this, itemType, new T[classCount], classCount);

        public void Write(BinaryWriter writer, ReadOnlySpan<T> values)
        {
            writer.Write(Code);
            foreach (var value in values)
            {
                write(writer, value);
            }
        }
    }

    private sealed class Values<T> : LabelKeyValues
    {
        private readonly Codec<T> _codec;
        private readonly T[] _values;

        public Values(Codec<T> codec, PrimitiveDataViewType itemType, IEnumerable<T> values, int classCount)
        {
            _codec = codec;
            _values = [.. values];
            Type = new VectorDataViewType(itemType, classCount);
        }

        public override VectorDataViewType Type { get; }

        public override void AddTo(DataViewSchema.Annotations.Builder builder, string kind) =>
            builder.Add(kind, Type, (ref VBuffer<T> value) =>
            {
                var editor = VBufferEditor.Create(ref value, _values.Length);
                _values.CopyTo(editor.Values);
                value = editor.Commit();
            });

        public override void Write(BinaryWriter writer) => _codec.Write(writer, _values);
    }
}
