using System.Buffers.Binary;

namespace Mmsim.Binfmt;

/// <summary>One program header (<c>Elf64_Phdr</c>), widened from ELF32 where needed.</summary>
public readonly record struct ElfPhdr(uint Type, uint Flags, ulong Offset, ulong Vaddr, ulong Filesz, ulong Memsz, ulong Align)
{
    public const uint PtLoad = 1;
    public const uint PtInterp = 3;
    public const uint PtGnuStack = 0x6474e551;
    public const uint PfX = 1;
    public const uint PfW = 2;
    public const uint PfR = 4;
}

/// <summary>
/// The parts of an ELF file that <c>load_elf_binary()</c> reads: the header, the program
/// headers and the PT_INTERP path. Parsed from bytes; never throws on bad input.
/// </summary>
public sealed class ElfImage
{
    public const ushort EtExec = 2;
    public const ushort EtDyn = 3;
    public const ushort EmX8664 = 62;
    public const ushort Em386 = 3;

    private ElfImage(bool is64, ushort type, ushort machine, ulong entry, ElfPhdr[] phdrs, string? interp)
    {
        Is64 = is64;
        Type = type;
        Machine = machine;
        Entry = entry;
        Phdrs = phdrs;
        Interpreter = interp;
    }

    public bool Is64 { get; }

    /// <summary>e_type: ET_EXEC or ET_DYN.</summary>
    public ushort Type { get; }

    public ushort Machine { get; }

    public ulong Entry { get; }

    public IReadOnlyList<ElfPhdr> Phdrs { get; }

    /// <summary>The PT_INTERP path, or null for a static binary.</summary>
    public string? Interpreter { get; }

    /// <summary>
    /// Parses an ELF image. Returns null and a one-line reason for anything load_elf_binary()
    /// would refuse with ENOEXEC (bad magic, truncated headers, unsupported type).
    /// </summary>
    public static ElfImage? Parse(ReadOnlySpan<byte> data, out string? error)
    {
        error = null;
        if (data.Length < 52 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
        {
            error = "not an ELF file (bad magic or shorter than an ELF header)";
            return null;
        }
        bool is64 = data[4] == 2;
        if (data[4] is not 1 and not 2 || data[5] != 1)
        {
            error = "unsupported ELF class or byte order (only little-endian ELF32/ELF64)";
            return null;
        }
        if (is64 && data.Length < 64)
        {
            error = "truncated ELF header";
            return null;
        }
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
        ulong entry = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(data[24..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[24..]);
        ulong phoff = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(data[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[28..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(data[(is64 ? 54 : 42)..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(data[(is64 ? 56 : 44)..]);
        if (type is not EtExec and not EtDyn)
        {
            error = $"ELF type {type} is not executable (ET_EXEC or ET_DYN)";
            return null;
        }
        int expectEnt = is64 ? 56 : 32;
        if (phentsize != expectEnt || phnum < 1 || phnum > 65536 / expectEnt)
        {
            error = "bad program header table (e_phentsize/e_phnum)";
            return null;
        }
        if (phoff > (ulong)data.Length || (ulong)data.Length - phoff < (ulong)(phnum * phentsize))
        {
            error = "truncated ELF file: program headers extend past the end";
            return null;
        }
        var phdrs = new ElfPhdr[phnum];
        for (int i = 0; i < phnum; i++)
        {
            phdrs[i] = ReadPhdr(data.Slice((int)phoff + (i * phentsize), phentsize), is64);
        }
        string? interp = ReadInterp(data, phdrs, out error);
        if (error is not null)
        {
            return null;
        }
        return new ElfImage(is64, type, machine, entry, phdrs, interp);
    }

    private static ElfPhdr ReadPhdr(ReadOnlySpan<byte> p, bool is64)
    {
        if (is64)
        {
            return new ElfPhdr(
                BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[8..]), BinaryPrimitives.ReadUInt64LittleEndian(p[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[32..]), BinaryPrimitives.ReadUInt64LittleEndian(p[40..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[48..]));
        }
        return new ElfPhdr(
            BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[4..]), BinaryPrimitives.ReadUInt32LittleEndian(p[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[16..]), BinaryPrimitives.ReadUInt32LittleEndian(p[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[28..]));
    }

    private static string? ReadInterp(ReadOnlySpan<byte> data, ElfPhdr[] phdrs, out string? error)
    {
        error = null;
        foreach (ElfPhdr ph in phdrs)
        {
            if (ph.Type != ElfPhdr.PtInterp)
            {
                continue;
            }
            if (ph.Filesz < 2 || ph.Filesz > 4096 || ph.Offset > (ulong)data.Length || (ulong)data.Length - ph.Offset < ph.Filesz)
            {
                error = "bad or truncated PT_INTERP";
                return null;
            }
            ReadOnlySpan<byte> s = data.Slice((int)ph.Offset, (int)ph.Filesz);
            int nul = s.IndexOf((byte)0);
            if (nul != s.Length - 1)
            {
                error = "PT_INTERP is not NUL-terminated";
                return null;
            }
            return System.Text.Encoding.UTF8.GetString(s[..nul]);
        }
        return null;
    }

    /// <summary>The header is readable and the loadable segments fit within the file (ENOEXEC otherwise).</summary>
    public bool SegmentsWithin(ulong fileSize)
    {
        foreach (ElfPhdr ph in Phdrs)
        {
            if (ph.Type == ElfPhdr.PtLoad && (ph.Filesz > ph.Memsz || ph.Offset + ph.Filesz > fileSize))
            {
                return false;
            }
        }
        return true;
    }
}
