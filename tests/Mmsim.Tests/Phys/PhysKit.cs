using System.Text;
using Mmsim.Phys;

namespace Mmsim.Tests.Phys;

/// <summary>Helpers for drawing frames: a free block shows its order at its head and '-' after it,
/// an allocated frame with references 'A', one without (a tail) 'a'.</summary>
internal static class PhysKit
{
    public static PhysMem Small(int mib) => new(PhysMemConfig.OfSize((ulong)mib << 20));

    public static string Draw(PhysMem mem, int start, int count)
    {
        var sb = new StringBuilder(count);
        int pfn = start;
        while (pfn < start + count)
        {
            ref PageFrame f = ref mem.Frame(pfn);
            if (f.IsBuddy)
            {
                int size = 1 << f.BuddyOrder;
                sb.Append("0123456789a"[f.BuddyOrder]).Append('-', Math.Min(size, start + count - pfn) - 1);
                pfn += size;
            }
            else
            {
                sb.Append(f.RefCount > 0 ? 'A' : 'a');
                pfn++;
            }
        }
        return sb.ToString();
    }

    public static string Counts(Zone zone)
    {
        var sb = new StringBuilder();
        for (int order = 0; order < PhysMem.NrPageOrders; order++)
        {
            sb.Append(order == 0 ? "" : " ").Append(zone.NrFree(order));
        }
        return sb.ToString();
    }
}
