using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.ML;

/// <summary>
/// The exceptions for data that does not fit a network, worded as ML.NET words its own schema errors
/// (<c>ArgumentOutOfRangeException</c>: "Could not find feature column 'Features'", "Schema mismatch for label column
/// 'Label': expected Boolean, got Single"), so they read alike in a pipeline of ML.NET and NetGen steps.
/// </summary>
internal static class SchemaErrors
{
    public static ArgumentOutOfRangeException ColumnNotFound(string paramName, string role, string column) =>
        new(paramName, $"Could not find {role} column '{column}'");

    public static ArgumentOutOfRangeException Mismatch(string paramName, string role, string column, string expected, string actual) =>
        new(paramName, $"Schema mismatch for {role} column '{column}': expected {expected}, got {actual}");

    /// <summary>The column named <paramref name="column"/>, or the "could not find" error.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string paramName, string role, string column) =>
        schema.GetColumnOrNull(column) ?? throw ColumnNotFound(paramName, role, column);

    /// <summary>The column named <paramref name="column"/> in a schema shape, or the "could not find" error.</summary>
    public static SchemaShape.Column Find(SchemaShape schema, string paramName, string role, string column)
    {
        foreach (var found in schema)
        {
            if (found.Name == column)
            {
                return found;
            }
        }

        throw ColumnNotFound(paramName, role, column);
    }

    /// <summary>A schema-shape column's type as ML.NET writes it (<c>Vector&lt;Single&gt;</c>, <c>Key&lt;UInt32&gt;</c>, …).</summary>
    public static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            SchemaShape.Column.VectorKind.VariableVector => $"VarVector<{item}>",
            _ => item,
        };
    }
}
