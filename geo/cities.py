"""The 21 prefecture-level cities of Guangdong with their GB/T 2260 administrative codes."""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_ADCODE = 440000
PROVINCE_NAME = "广东省"


@dataclass(frozen=True)
class City:
    adcode: int
    name: str  # short Chinese name, as the plan writes it: 广州, not 广州市
    slug: str  # ASCII, used in node ids: city-<slug>, prd-<slug>

    @property
    def full_name(self) -> str:
        return f"{self.name}市"


CITIES: tuple[City, ...] = (
    City(440100, "广州", "guangzhou"),
    City(440200, "韶关", "shaoguan"),
    City(440300, "深圳", "shenzhen"),
    City(440400, "珠海", "zhuhai"),
    City(440500, "汕头", "shantou"),
    City(440600, "佛山", "foshan"),
    City(440700, "江门", "jiangmen"),
    City(440800, "湛江", "zhanjiang"),
    City(440900, "茂名", "maoming"),
    City(441200, "肇庆", "zhaoqing"),
    City(441300, "惠州", "huizhou"),
    City(441400, "梅州", "meizhou"),
    City(441500, "汕尾", "shanwei"),
    City(441600, "河源", "heyuan"),
    City(441700, "阳江", "yangjiang"),
    City(441800, "清远", "qingyuan"),
    City(441900, "东莞", "dongguan"),
    City(442000, "中山", "zhongshan"),
    City(445100, "潮州", "chaozhou"),
    City(445200, "揭阳", "jieyang"),
    City(445300, "云浮", "yunfu"),
)

BY_ADCODE: dict[int, City] = {c.adcode: c for c in CITIES}
BY_NAME: dict[str, City] = {c.name: c for c in CITIES} | {c.full_name: c for c in CITIES}


def city_by_adcode(adcode: int) -> City | None:
    """Return the city with this administrative code, or None if it is not a Guangdong city."""
    return BY_ADCODE.get(adcode)


def city_by_name(name: str) -> City | None:
    """Return the city named 广州 or 广州市 (surrounding spaces ignored), or None."""
    return BY_NAME.get(name.strip())
