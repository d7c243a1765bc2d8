function parse(value: string): number;
function parse(value: number): string;
function parse(value: string | number): string | number {
  return typeof value === "string" ? Number(value) * 2 : `#${value}`;
}
function first<T>(items: readonly T[], fallback: T): T {
  return items.length > 0 ? items[0] : fallback;
}
class Stack<T> {
  private items: T[] = [];
  push(...values: T[]): this {
    this.items.push(...values);
    return this;
  }
  peek(): T | undefined {
    return this.items[this.items.length - 1];
  }
  get size(): number {
    return this.items.length;
  }
}
// %%
console.log(parse("21"), parse(7));
console.log(first([3, 4], 0), first<string>([], "none"));
// %%
const stack = new Stack<number>().push(1, 2, 3);
console.log(stack.peek(), stack.size);
function longest<T extends { length: number }>(a: T, b: T): T {
  return a.length >= b.length ? a : b;
}
console.log(longest("abc", "de"), longest([1], [1, 2]));
// %%
type Pair<K, V> = { key: K; value: V };
const pairs: Pair<string, number>[] = [{ key: "a", value: 1 }];
const mapped = pairs.map(({ key, value }): Pair<number, string> => ({ key: value, value: key }));
console.log(mapped);
