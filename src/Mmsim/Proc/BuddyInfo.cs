using System.Globalization;
using System.Text;
using Mmsim.Phys;

namespace Mmsim.Proc;

/// <summary>/proc/buddyinfo as frag_show_print() (mm/vmstat.c) prints it: one line per populated
/// zone, "Node %d, zone %8s " then "%6lu " for each order, then a newline.</summary>
public static class BuddyInfo
{
    /// <summary>The whole file for node 0.</summary>
    public static string Format(PhysMem mem)
    {
        var sb = new StringBuilder(256);
        foreach (Zone zone in mem.Zones)
        {
            if (!zone.IsPopulated)
            {
                continue;
            }
            sb.Append("Node 0, zone ").Append(zone.Name.PadLeft(8)).Append(' ');
            for (int order = 0; order < PhysMem.NrPageOrders; order++)
            {
                sb.Append(zone.NrFree(order).ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(' ');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
