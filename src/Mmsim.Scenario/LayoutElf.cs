using System.Buffers.Binary;
using Mmsim.Binfmt;
using Mmsim.Mm;

namespace Mmsim.Scenario;

/// <summary>
/// A described program: the sizes of its text, data and bss, built into a minimal static ELF64
/// executable (ET_EXEC at 0x400000, as a non-PIE static link puts it) so that exec lays it out
/// exactly as load_elf_binary() lays out a real one:
/// <code>
///   0x400000  text   r-xp  offset 0        (the headers are its first bytes)
///   next page data   rw-p  offset text     (file-backed)
///             bss    rw-p  anonymous       (the rest of data's last page, then zero pages)
///   brk starts at the page after bss; heap, mmap area and stack as for any program
/// </code>
/// </summary>
internal static class LayoutElf
{
    /// <summary>Where a non-PIE x86-64 executable is linked.</summary>
    public const ulong TextBase = 0x400000;

    private const int EhdrSize = 64;
    private const int PhdrSize = 56;

    /// <summary>The image; text is at least one page (it holds the headers).</summary>
    public static byte[] Build(ulong text, ulong data, ulong bss)
    {
        ulong textSize = Math.Max(Page.Align(text), Page.Size);
        var phdrs = new List<ElfPhdr>
        {
            new(ElfPhdr.PtLoad, ElfPhdr.PfR | ElfPhdr.PfX, 0, TextBase, textSize, textSize, Page.Size),
        };
        if (data + bss > 0)
        {
            phdrs.Add(new ElfPhdr(ElfPhdr.PtLoad, ElfPhdr.PfR | ElfPhdr.PfW, textSize, TextBase + textSize, data, data + bss, Page.Size));
        }
        phdrs.Add(new ElfPhdr(ElfPhdr.PtGnuStack, ElfPhdr.PfR | ElfPhdr.PfW, 0, 0, 0, 0, 16));
        byte[] image = new byte[textSize + data];
        Span<byte> h = image;
        h[0] = 0x7f;
        h[1] = (byte)'E';
        h[2] = (byte)'L';
        h[3] = (byte)'F';
        h[4] = 2; // ELFCLASS64
        h[5] = 1; // little-endian
        h[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], ElfImage.EtExec);
        BinaryPrimitives.WriteUInt16LittleEndian(h[18..], ElfImage.EmX8664);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], TextBase + EhdrSize + ((ulong)phdrs.Count * PhdrSize));
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], EhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[52..], EhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[54..], PhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[56..], (ushort)phdrs.Count);
        for (int i = 0; i < phdrs.Count; i++)
        {
            Span<byte> p = h.Slice(EhdrSize + (i * PhdrSize), PhdrSize);
            ElfPhdr ph = phdrs[i];
            BinaryPrimitives.WriteUInt32LittleEndian(p, ph.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], ph.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], ph.Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], ph.Vaddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[24..], ph.Vaddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[32..], ph.Filesz);
            BinaryPrimitives.WriteUInt64LittleEndian(p[40..], ph.Memsz);
            BinaryPrimitives.WriteUInt64LittleEndian(p[48..], ph.Align);
        }
        return image;
    }
}
