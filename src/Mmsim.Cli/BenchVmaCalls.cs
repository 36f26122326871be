using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Mmsim.Mm;

namespace Mmsim.Cli;

/// <summary>
/// The memory syscalls a benchmark operation makes, answered either by the model
/// (<see cref="ModelCalls"/>) or by the kernel of this machine (<see cref="KernelCalls"/>).
/// Every call returns the result or -errno. Operations are generic over a struct implementing
/// this, so the JIT compiles one specialised copy per side with the calls inlined.
/// </summary>
internal interface IMmCalls
{
    long Mmap(ulong addr, ulong len, int prot, int flags);

    long Munmap(ulong addr, ulong len);

    long Mprotect(ulong addr, ulong len, int prot);

    long Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr);

    /// <summary>brk(): the new break, or the old one when refused; brk(0) reads it.</summary>
    long Brk(ulong brk);

    /// <summary>The VMAs overlapping [lo, hi), clipped to it, one "start-end perms" line each relative to lo (not timed).</summary>
    string Layout(ulong lo, ulong hi);

    /// <summary>Checks the side's invariants (the model's validate_mm; nothing for the kernel).</summary>
    void Validate();
}

/// <summary>The model's answers: one <see cref="MmStruct"/> of its own.</summary>
internal readonly struct ModelCalls : IMmCalls
{
    /// <summary>Where the model puts its heap; its mmap area grows down from <see cref="MmapBase"/>.</summary>
    public const ulong StartBrk = 0x555555559000UL;

    public const ulong MmapBase = 0x7ffff7fff000UL;

    private readonly MmStruct _mm;

    public ModelCalls(MmStruct mm)
    {
        _mm = mm;
    }

    /// <summary>
    /// A model address space shaped like this process's: as many VMAs (single pages of alternating
    /// protections just below mmap_base, so none merge) and a heap of the same size, so that the
    /// model's searches run on an index as deep as the kernel's.
    /// </summary>
    public static ModelCalls Create(HostFacts host)
    {
        var mm = new MmStruct(MmConfig.Default)
        {
            StartBrk = StartBrk,
            Brk = StartBrk,
            MmapBase = MmapBase,
            MmapLegacyBase = Page.Align(MmConfig.Default.TaskSize / 3),
            TopDown = true,
        };
        if (host.HeapBytes > 0)
        {
            ulong brk = StartBrk + host.HeapBytes;
            BenchCheck.Expect(mm.SysBrk(brk), (long)brk, "brk", brk);
        }
        int background = host.MapCount - (host.HeapBytes > 0 ? 1 : 0);
        ulong addr = MmapBase - ((ulong)Math.Max(background, 0) << Page.Shift);
        for (int i = 0; i < background; i++, addr += Page.Size)
        {
            int prot = (i & 1) == 0 ? Prot.Read : Prot.Read | Prot.Write;
            BenchCheck.Expect(mm.Mmap(addr, Page.Size, prot, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, null, 0), (long)addr, "mmap", addr);
        }
        return new ModelCalls(mm);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Mmap(ulong addr, ulong len, int prot, int flags) => _mm.Mmap(addr, len, prot, flags, null, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Munmap(ulong addr, ulong len) => _mm.Munmap(addr, len);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Mprotect(ulong addr, ulong len, int prot) => _mm.Mprotect(addr, len, prot);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr) => _mm.Mremap(addr, oldLen, newLen, flags, newAddr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Brk(ulong brk) => _mm.SysBrk(brk);

    public string Layout(ulong lo, ulong hi)
    {
        var sb = new StringBuilder();
        for (Vma? v = _mm.Vmas.Find(lo); v is not null && v.Start < hi; v = v.Next)
        {
            VmFlags f = v.Flags;
            string perms = string.Concat(
                (f & VmFlags.Read) != 0 ? "r" : "-",
                (f & VmFlags.Write) != 0 ? "w" : "-",
                (f & VmFlags.Exec) != 0 ? "x" : "-",
                (f & VmFlags.MayShare) != 0 ? "s" : "p");
            HostFacts.AppendClipped(sb, v.Start, v.End, perms, lo, hi);
        }
        return sb.ToString();
    }

    public void Validate() => _mm.Validate();
}

/// <summary>The kernel's answers, through libc in this process.</summary>
internal readonly struct KernelCalls : IMmCalls
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Mmap(ulong addr, ulong len, int prot, int flags) => NativeMm.Mmap(addr, len, prot, flags);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Munmap(ulong addr, ulong len) => NativeMm.Munmap(addr, len);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Mprotect(ulong addr, ulong len, int prot) => NativeMm.Mprotect(addr, len, prot);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr) => NativeMm.Mremap(addr, oldLen, newLen, flags, newAddr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Brk(ulong brk) => NativeMm.Brk(brk);

    public string Layout(ulong lo, ulong hi)
    {
        var sb = new StringBuilder();
        foreach (string line in File.ReadLines(HostFacts.MapsPath))
        {
            if (HostFacts.TryParse(line, out ulong start, out ulong end, out string perms) && start < hi && end > lo)
            {
                HostFacts.AppendClipped(sb, start, end, perms, lo, hi);
            }
        }
        return sb.ToString();
    }

    public void Validate()
    {
    }
}

/// <summary>What the model copies from this process: its number of VMAs and the size of its heap.</summary>
internal readonly record struct HostFacts(int MapCount, ulong HeapBytes)
{
    public const string MapsPath = "/proc/self/maps";

    /// <summary>Reads /proc/self/maps ([vsyscall] is not a VMA of the mm and is not counted).</summary>
    public static HostFacts Read()
    {
        int count = 0;
        ulong heap = 0;
        foreach (string line in File.ReadLines(MapsPath))
        {
            if (!TryParse(line, out ulong start, out ulong end, out _) || line.EndsWith("[vsyscall]", StringComparison.Ordinal))
            {
                continue;
            }
            count++;
            if (line.EndsWith("[heap]", StringComparison.Ordinal))
            {
                heap += end - start;
            }
        }
        return new HostFacts(count, heap);
    }

    /// <summary>Parses "start-end perms ..." of a maps line.</summary>
    public static bool TryParse(string line, out ulong start, out ulong end, out string perms)
    {
        start = end = 0;
        perms = "";
        int dash = line.IndexOf('-', StringComparison.Ordinal);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (dash <= 0 || space <= dash || line.Length < space + 5)
        {
            return false;
        }
        perms = line.Substring(space + 1, 4);
        return ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start)
            && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end);
    }

    /// <summary>Appends one VMA clipped to [lo, hi), relative to lo.</summary>
    public static void AppendClipped(StringBuilder sb, ulong start, ulong end, string perms, ulong lo, ulong hi)
    {
        ulong s = Math.Max(start, lo) - lo;
        ulong e = Math.Min(end, hi) - lo;
        sb.Append(CultureInfo.InvariantCulture, $"{s:x}-{e:x} {perms}\n");
    }
}

/// <summary>A call of a benchmark operation returned something else than it must: the run stops with this message.</summary>
internal sealed class BenchFailureException : Exception
{
    public BenchFailureException(string message)
        : base(message)
    {
    }
}

/// <summary>Result checks cheap enough for the timed loops: one compare inline, the message built only on failure.</summary>
internal static class BenchCheck
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Expect(long got, long want, string call, ulong addr)
    {
        if (got != want)
        {
            Fail(got, want, call, addr);
        }
    }

    /// <summary>Fails when a call that may return any address returned -errno (or 0); returns the address.</summary>
    public static ulong ExpectAddress(long got, string call, ulong addr)
    {
        if (got <= 0 || Errno.IsError(got))
        {
            Fail(got, null, call, addr);
        }
        return (ulong)got;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(long got, long? want, string call, ulong addr)
    {
        string result = Errno.IsError(got)
            ? string.Create(CultureInfo.InvariantCulture, $"-{-got} ({Marshal.GetPInvokeErrorMessage((int)-got)})")
            : string.Create(CultureInfo.InvariantCulture, $"0x{got:x}");
        string expected = want is { } w ? string.Create(CultureInfo.InvariantCulture, $", expected 0x{w:x}") : "";
        throw new BenchFailureException(string.Create(CultureInfo.InvariantCulture, $"{call}(0x{addr:x}, ...) returned {result}{expected}"));
    }
}
