class Counter {
  static #instances = 0;
  static created = [];
  static origin = "";
  #value;
  constructor(start = 0) {
    this.#value = start;
    Counter.#instances += 1;
    Counter.created.push(start);
  }
  increment() {
    return ++this.#value;
  }
  static get instances() {
    return Counter.#instances;
  }
  static isCounter(o) {
    return #value in o;
  }
  static {
    Counter.origin = "static block";
  }
}
// %%
const c1 = new Counter(), c2 = new Counter(5);
c1.increment();
console.log(c1.increment(), c2.increment(), Counter.instances, Counter.created, Counter.origin);
// %%
class Named extends Counter {
  name;
  constructor(name) {
    super(name.length);
    this.name = name;
  }
  toString() {
    return `Named(${this.name})`;
  }
}
const named = new Named("abc");
console.log(`${named}`, named.increment(), Counter.isCounter(named), Counter.isCounter({}), Counter.instances);
