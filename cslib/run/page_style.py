"""The style sheet of cslib's HTML pages: the report and the batch index."""

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:24px 32px;line-height:1.45}
h1{font-size:1.9em;margin-bottom:.2em} h2{border-bottom:2px solid #e3e3e3;padding-bottom:.15em;margin:1em 0 .4em} h4{margin:.8em 0 .3em}
p,ul{margin:.45em 0} li{margin:.1em 0}
nav.toc,nav.pages{background:#f6f8fa;border:1px solid #e3e3e3;padding:10px 18px;margin:18px 0} nav.toc ul{margin:4px 0;padding-left:20px}
nav.pages a,nav.pages strong{margin-right:1em}
table{border-collapse:collapse;margin:8px 0 14px;font-size:.86em;max-width:100%} th,td{border-bottom:1px solid #e5e5e5;padding:2px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word;line-height:1.3}
th{background:#f6f8fa} img{max-width:min(100%,800px);height:auto} .meta{color:#666;font-size:.85em}
.cslib-wide{overflow-x:auto} details.cslib-appendix{margin:4px 0 14px;color:#444} details.cslib-appendix summary{cursor:pointer;font-size:.9em}
.cslib-card{border:1px solid #dde3ea;border-radius:6px;padding:8px 14px;margin:8px 0;background:#fbfcfd}
.cslib-card table{display:grid;grid-template-columns:1fr 1fr;column-gap:24px} .cslib-card tbody{display:contents} .cslib-card th{background:none;padding-left:0}
.cslib-caption{color:#555;font-size:.9em;margin-bottom:2px} .improved{color:#0b7a3e;font-weight:600} .worsened{color:#b3261e;font-weight:600}
.no-detectable-change{color:#8a6d00;font-weight:600} section.stage{margin-top:2.5em} .jp-InputPrompt,.jp-OutputPrompt,.prompt{display:none}
.decision{border-left:6px solid #1f5fa8;background:#f3f7fc;padding:10px 18px;margin:12px 0} .decision .verdict{font-size:1.35em;font-weight:700}
.decision-adopt{border-color:#0b7a3e} .decision-abandon{border-color:#b3261e} .decision-adapt,.decision-wait{border-color:#c58a00}
.cslib-decision{font-size:1.1em} .interactive{background:#fff6d6;border:1px solid #e8d48a;padding:6px 12px}
.mdc svg{vertical-align:middle;margin-right:2px} #summary li{margin:.3em 0}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap}
@media print{
 body{max-width:none;padding:0;font-size:10pt} nav.toc,nav.pages,details.cslib-appendix{display:none}
 section.stage{break-before:page} h2,h3,h4{break-after:avoid} img{break-inside:avoid;max-height:24cm}
 table{break-inside:auto;width:100%} thead{display:table-header-group} tr,img,.decision{break-inside:avoid}
 .cslib-wide{overflow:visible} a{color:inherit;text-decoration:none}
}
"""
