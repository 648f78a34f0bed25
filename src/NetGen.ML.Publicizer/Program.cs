using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace NetGen.ML.Publicizer;

/// <summary>
/// Copies an assembly with the named types, and their members that are internal (assembly, family-and-assembly or
/// family-or-assembly), made public. The copy is a compile-time reference only: the visibility bits are rewritten in
/// place in the metadata tables, nothing else changes (so its strong-name signature no longer verifies, which no
/// compiler checks), and at run time the real assembly is loaded.
/// </summary>
/// <remarks>
/// Usage: <c>NetGen.ML.Publicizer &lt;input.dll&gt; &lt;output.dll&gt; &lt;Namespace.Type&gt;…</c>. Every named type must
/// exist, so a renamed type in a later ML.NET fails the build here, with its name, rather than a compile later.
/// </remarks>
internal static class Program
{
    // Column offsets inside a table row (ECMA-335 II.22): TypeDef.Flags and Field.Flags open their rows; a MethodDef row
    // starts with RVA (4 bytes) and ImplFlags (2 bytes) before its Flags.
    private const int MethodDefFlagsOffset = 6;

    public static int Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: NetGen.ML.Publicizer <input.dll> <output.dll> <Namespace.Type>...");
            return 2;
        }

        byte[] image = File.ReadAllBytes(args[0]);
        var wanted = new HashSet<string>(args.Skip(2), StringComparer.Ordinal);
        using (var pe = new PEReader(new MemoryStream(image, writable: false)))
        {
            var reader = pe.GetMetadataReader();
            int metadataStart = pe.PEHeaders.MetadataStartOffset;
            int typeTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.TypeDef);
            int typeRow = reader.GetTableRowSize(TableIndex.TypeDef);
            int methodTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.MethodDef);
            int methodRow = reader.GetTableRowSize(TableIndex.MethodDef);
            int fieldTable = metadataStart + reader.GetTableMetadataOffset(TableIndex.Field);
            int fieldRow = reader.GetTableRowSize(TableIndex.Field);
            foreach (var handle in reader.TypeDefinitions)
            {
                var type = reader.GetTypeDefinition(handle);
                string name = reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);
                if (!type.GetDeclaringType().IsNil || !wanted.Remove(name))
                {
                    continue;
                }

                int at = typeTable + (MetadataTokens.GetRowNumber(handle) - 1) * typeRow;
                uint flags = BitConverter.ToUInt32(image, at);
                flags = (flags & ~(uint)TypeAttributes.VisibilityMask) | (uint)TypeAttributes.Public;
                BitConverter.TryWriteBytes(image.AsSpan(at, 4), flags);
                foreach (var method in type.GetMethods())
                {
                    MakePublic(image, methodTable + (MetadataTokens.GetRowNumber(method) - 1) * methodRow + MethodDefFlagsOffset);
                }

                foreach (var field in type.GetFields())
                {
                    MakePublic(image, fieldTable + (MetadataTokens.GetRowNumber(field) - 1) * fieldRow);
                }
            }
        }

        if (wanted.Count > 0)
        {
            Console.Error.WriteLine($"error: {args[0]} has no top-level type {string.Join(", ", wanted)}");
            return 1;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
        File.WriteAllBytes(args[1], image);
        return 0;
    }

    // Method and field flags share the access mask (MethodAttributes.MemberAccessMask == FieldAttributes.FieldAccessMask
    // == 7) and its values: 2 family-and-assembly, 3 assembly, 5 family-or-assembly, 6 public. Private members stay private.
    private static void MakePublic(byte[] image, int at)
    {
        ushort flags = BitConverter.ToUInt16(image, at);
        uint access = flags & (uint)MethodAttributes.MemberAccessMask;
        if (access is (uint)MethodAttributes.FamANDAssem or (uint)MethodAttributes.Assembly or (uint)MethodAttributes.FamORAssem)
        {
            flags = (ushort)((flags & ~(uint)MethodAttributes.MemberAccessMask) | (uint)MethodAttributes.Public);
            BitConverter.TryWriteBytes(image.AsSpan(at, 2), flags);
        }
    }
}
