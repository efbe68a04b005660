#![no_std]
//! DAO payroll: the admin enrols contributors with a monthly salary; payday pays them in a token.
use soroban_sdk::{contract, contractimpl, contracttype, token, Address, Env, Vec};

#[cfg(not(feature = "vulnerable"))]
const MAX_BATCH: u32 = 25;

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    Token,
    Employees,
    Salary(Address),
}

fn require_admin(env: &Env) {
    let admin: Address = env.storage().instance().get(&DataKey::Admin).unwrap();
    admin.require_auth();
}

#[contract]
pub struct Payroll;

#[contractimpl]
impl Payroll {
    pub fn __constructor(env: Env, admin: Address, token: Address) {
        env.storage().instance().set(&DataKey::Admin, &admin);
        env.storage().instance().set(&DataKey::Token, &token);
        env.storage().persistent().set(&DataKey::Employees, &Vec::<Address>::new(&env));
    }

    pub fn enrol(env: Env, employee: Address, salary: i128) {
        require_admin(&env);
        let mut employees: Vec<Address> = env.storage().persistent().get(&DataKey::Employees).unwrap();
        if !employees.contains(&employee) {
            employees.push_back(employee.clone());
            env.storage().persistent().set(&DataKey::Employees, &employees);
        }
        env.storage().persistent().set(&DataKey::Salary(employee), &salary);
    }

    pub fn employees(env: Env) -> u32 {
        let employees: Vec<Address> = env.storage().persistent().get(&DataKey::Employees).unwrap();
        employees.len()
    }
}

#[cfg(feature = "vulnerable")]
#[contractimpl]
impl Payroll {
    /// Pays every enrolled employee.
    pub fn payday(env: Env) {
        require_admin(&env);
        let token: Address = env.storage().instance().get(&DataKey::Token).unwrap();
        let client = token::TokenClient::new(&env, &token);
        let employees: Vec<Address> = env.storage().persistent().get(&DataKey::Employees).unwrap();
        for employee in employees.iter() {
            let salary: i128 = env.storage().persistent().get(&DataKey::Salary(employee.clone())).unwrap_or(0);
            if salary > 0 {
                client.transfer(&env.current_contract_address(), &employee, &salary);
            }
        }
    }
}

#[cfg(not(feature = "vulnerable"))]
#[contractimpl]
impl Payroll {
    /// Pays employees `start .. start + limit` (limit capped at MAX_BATCH); returns the next start.
    pub fn payday(env: Env, start: u32, limit: u32) -> u32 {
        require_admin(&env);
        let token: Address = env.storage().instance().get(&DataKey::Token).unwrap();
        let client = token::TokenClient::new(&env, &token);
        let employees: Vec<Address> = env.storage().persistent().get(&DataKey::Employees).unwrap();
        let end = employees.len().min(start.saturating_add(limit.min(MAX_BATCH)));
        for i in start..end {
            let employee = employees.get_unchecked(i);
            let salary: i128 = env.storage().persistent().get(&DataKey::Salary(employee.clone())).unwrap_or(0);
            if salary > 0 {
                client.transfer(&env.current_contract_address(), &employee, &salary);
            }
        }
        end
    }
}
