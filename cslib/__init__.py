"""cslib — the continuous-improvement workbook for customer-service teams."""
