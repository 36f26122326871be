using Mmsim.Mm;

namespace Mmsim.Tests.Mm;

/// <summary>
/// Seeded random mmap/munmap/mprotect/mremap/madvise/fault sequences over a 256-page window,
/// checked after every call against a page-by-page shadow of what each page should be (mapped
/// or not, its protection) and against the mm's invariants (tree shape, holes, counters,
/// nothing left unmerged). The shadow follows the syscalls' documented semantics, not the
/// model's code, so a wrong split, merge or range computation shows up as a page mismatch.
/// </summary>
public sealed class RandomOpsTests
{
    private const int Window = 256;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomSequencesKeepThePagesAndTheInvariants(int seed)
    {
        MmStruct mm = MmKit.NewMm();
        var rng = new Random(seed);
        var shadow = new int[Window]; // -1 unmapped, else prot
        Array.Fill(shadow, -1);
        int[] prots = [MmKit.None, MmKit.R, MmKit.Rw, MmKit.Rx];
        for (int step = 0; step < 4000; step++)
        {
            int at = rng.Next(Window);
            int n = 1 + rng.Next(Math.Min(16, Window - at));
            int prot = prots[rng.Next(prots.Length)];
            ulong addr = MmKit.Col(at);
            ulong len = MmKit.Pages(n);
            long r;
            long expected;
            switch (rng.Next(6))
            {
                case 0:
                case 1:
                    r = mm.Mmap(addr, len, prot, MmKit.AnonFixed, null, 0);
                    expected = (long)addr;
                    Array.Fill(shadow, prot, at, n);
                    break;
                case 2:
                    r = mm.Munmap(addr, len);
                    expected = 0;
                    Array.Fill(shadow, -1, at, n);
                    break;
                case 3:
                    r = mm.Mprotect(addr, len, prot);
                    expected = ShadowMprotect(shadow, at, n, prot);
                    break;
                case 4:
                    r = mm.Madvise(addr, len, rng.Next(2) == 0 ? Madv.DontFork : Madv.DoFork);
                    expected = Array.IndexOf(shadow, -1, at, n) >= 0 ? -Errno.ENOMEM : 0;
                    break;
                default:
                    FaultResult f = mm.Fault(addr, write: rng.Next(2) == 0);
                    r = f == FaultResult.MapErr ? (shadow[at] == -1 ? 0 : 1) : (shadow[at] == -1 ? 1 : 0);
                    expected = 0;
                    break;
            }
            Assert.True(expected == r, $"seed {seed} step {step}: result {r}, expected {expected}");
            mm.Validate();
            for (int p = 0; p < Window; p++)
            {
                Vma? v = mm.Vmas.Lookup(MmKit.Col(p));
                int got = v is null ? -1 : ProtOf(v.Flags);
                Assert.True(shadow[p] == got, $"seed {seed} step {step}: page {p} is {got}, expected {shadow[p]}");
            }
        }
    }

    /// <summary>mprotect on the shadow: nothing if the first page is unmapped; else pages up to the first hole.</summary>
    private static long ShadowMprotect(int[] shadow, int at, int n, int prot)
    {
        if (shadow[at] == -1)
        {
            return -Errno.ENOMEM;
        }
        for (int p = at; p < at + n; p++)
        {
            if (shadow[p] == -1)
            {
                return -Errno.ENOMEM;
            }
            shadow[p] = prot;
        }
        return 0;
    }

    private static int ProtOf(VmFlags f)
    {
        return ((f & VmFlags.Read) != 0 ? Prot.Read : 0) | ((f & VmFlags.Write) != 0 ? Prot.Write : 0)
            | ((f & VmFlags.Exec) != 0 ? Prot.Exec : 0);
    }
}
