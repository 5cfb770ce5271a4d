"""Click-to-answer time in a real browser, for the README's figure (a measurement, not a test).

Start the UI first (`ldn-assistant chat`), then: python tests/browser_timing.py [URL]
"""

from __future__ import annotations

import statistics
import sys
import time

from playwright.sync_api import sync_playwright

QUESTIONS = [
    "What dose of LDN is used for chronic pain?",
    "How does low dose naltrexone work for pain?",
    "What are the side effects of LDN?",
    "Does LDN help fibromyalgia?",
    "Is LDN FDA approved?",
    "Can I take LDN with tramadol?",
    "what dose?",
    "Does LDN help Crohn's disease?",
    "Is naltrexone addictive?",
    "How much does LDN cost?",
]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(url: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#ldn-question textarea")
        seconds = []
        for asked, question in enumerate(QUESTIONS, start=1):
            page.fill("#ldn-question textarea", question)
            start = time.perf_counter()
            page.click("#ldn-ask")
            # The answer counts as shown when its chat bubble is in the page.
            page.wait_for_function(f"document.querySelectorAll('#ldn-chat .bot-row').length >= {asked}", polling=10)
            seconds.append(time.perf_counter() - start)
        browser.close()
    print(f"click to rendered answer, {len(seconds)} questions: median {statistics.median(seconds):.3f} s, min {min(seconds):.3f} s, max {max(seconds):.3f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7386/")
