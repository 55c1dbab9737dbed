"""The center itself: departments, categories and SLA limits (reference, admin), the working-day calendar
(workdays) and working-time clocks (sla)."""
