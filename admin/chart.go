package admin

import (
	"fmt"
	"strconv"

	"github.com/userpool/userpool/templates"
	"github.com/userpool/userpool/user"
)

// chart lays out the daily counts as three lines (sign-ups, sign-ins, failed sign-ins) in
// SVG coordinates; the page draws them. No chart library runs in the browser.
func chart(days []user.DayActivity) *templates.Chart {
	c := &templates.Chart{Width: 720, Height: 260, Left: 44, Top: 12, Right: 708, Bottom: 228, Days: days}
	var peak int64 = 1
	series := []templates.ChartSeries{{Name: "Sign-ups", Class: "signups"}, {Name: "Sign-ins", Class: "signins"}, {Name: "Failed sign-ins", Class: "failed"}}
	for _, d := range days {
		peak = max(peak, d.SignUps, d.SignIns, d.FailedSignIns)
	}
	top := niceCeil(peak)
	plotW, plotH := c.Right-c.Left, c.Bottom-c.Top
	x := func(i int) int {
		if len(days) < 2 {
			return c.Left + plotW/2
		}
		return c.Left + i*plotW/(len(days)-1)
	}
	y := func(v int64) int { return c.Bottom - int(v*int64(plotH)/top) }
	for i, d := range days {
		day := d.Day.Format("2006-01-02")
		for s, v := range []int64{d.SignUps, d.SignIns, d.FailedSignIns} {
			series[s].Total += v
			series[s].Points = append(series[s].Points, templates.ChartPoint{X: x(i), Y: y(v), Label: fmt.Sprintf("%s: %d %s", day, v, series[s].Name)})
		}
		if (len(days)-1-i)%7 == 0 {
			c.XTicks = append(c.XTicks, templates.ChartTick{X: x(i), Y: c.Bottom + 18, Text: d.Day.Format("Jan 2")})
		}
	}
	for _, v := range []int64{0, top / 2, top} {
		if v == top/2 && top%2 != 0 {
			continue
		}
		c.YTicks = append(c.YTicks, templates.ChartTick{X: c.Left - 6, Y: y(v), Text: strconv.FormatInt(v, 10)})
	}
	c.Series = series
	c.Summary = fmt.Sprintf("Over the last %d days: %d sign-ups, %d sign-ins, %d failed sign-ins.", len(days), series[0].Total, series[1].Total, series[2].Total)
	return c
}

// niceCeil is the smallest of 1, 2, 5, 10, 20, 50, ... at or above n: a round top for the y axis.
func niceCeil(n int64) int64 {
	for mag := int64(1); ; mag *= 10 {
		for _, s := range []int64{1, 2, 5} {
			if s*mag >= n {
				return s * mag
			}
		}
	}
}
